/** Modules that read and repair K3s's own CNI pieces on a node. */
import type { TaskModule } from '../../src/module/task.ts';
import { k3sCniBackup } from './k3s-cni-backup.ts';
import { k3sCniRelink } from './k3s-cni-relink.ts';
import { k3sCniRestore } from './k3s-cni-restore.ts';
import { k3sFacts } from './k3s-facts.ts';
import { k3sNodeName } from './k3s-node-name.ts';

export const k3sModules: TaskModule[] = [k3sFacts, k3sNodeName, k3sCniBackup, k3sCniRelink, k3sCniRestore];
