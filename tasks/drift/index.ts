/** Modules of `provision drift`: one read per node, one per cluster, and the converging steps --fix adds. */
import type { TaskModule } from '../../src/module/task.ts';
import { multusClusterRead } from './multus-cluster-read.ts';
import { multusDrift } from './multus-drift.ts';
import { multusPodRestart } from './multus-pod-restart.ts';
import { multusStaleConf } from './multus-stale-conf.ts';

export const driftModules: TaskModule[] = [multusDrift, multusClusterRead, multusStaleConf, multusPodRestart];
