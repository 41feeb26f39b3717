/** Modules that render, verify, record and smoke-test Multus thick. */
import type { TaskModule } from '../../src/module/task.ts';
import { installRecord } from './install-record.ts';
import { multusManifest } from './multus-manifest.ts';
import { multusSmoke } from './multus-smoke.ts';
import { multusVerify } from './multus-verify.ts';

export const multusModules: TaskModule[] = [multusManifest, multusVerify, installRecord, multusSmoke];
