/** Modules that talk to the Kubernetes API through kubectl. */
import type { TaskModule } from '../../src/module/task.ts';
import { kubectlApply } from './kubectl-apply.ts';
import { kubectlDelete } from './kubectl-delete.ts';
import { kubectlExport } from './kubectl-export.ts';
import { kubectlGet } from './kubectl-get.ts';
import { multusAttachments } from './multus-attachments.ts';
import { waitDaemonSet } from './wait-daemonset.ts';
import { waitPodsGone } from './wait-pods-gone.ts';

export const kubectlModules: TaskModule[] = [kubectlApply, kubectlDelete, kubectlGet, waitDaemonSet, multusAttachments, kubectlExport, waitPodsGone];
