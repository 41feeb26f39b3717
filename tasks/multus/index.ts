/** Modules that render, verify, record, smoke-test and roll back Multus thick. */
import type { TaskModule } from '../../src/module/task.ts';
import { installRecord } from './install-record.ts';
import { multusCleanup } from './multus-cleanup.ts';
import { multusLeftovers } from './multus-leftovers.ts';
import { multusManifest } from './multus-manifest.ts';
import { multusPrune } from './multus-prune.ts';
import { rollbackRecord } from './rollback-record.ts';
import { multusSmoke } from './multus-smoke.ts';
import { multusVerify } from './multus-verify.ts';

export const multusModules: TaskModule[] = [multusManifest, multusPrune, multusVerify, installRecord, multusSmoke, multusLeftovers, multusCleanup, rollbackRecord];
