/** `npm run docs`: regenerate docs/tasks.md from the task modules. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../cli/paths.ts';
import { taskModules } from '../../tasks/index.ts';
import { renderTaskDocs } from './task-docs.ts';

const target = join(PACKAGE_ROOT, 'docs', 'tasks.md');
writeFileSync(target, renderTaskDocs(taskModules));
process.stdout.write(`wrote ${target}\n`);
