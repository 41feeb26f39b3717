import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTaskDocs } from '../../src/docs/task-docs.ts';
import { taskModules } from '../../tasks/index.ts';
import { REPO_ROOT } from '../helpers/run-provision.ts';

t.test('docs/tasks.md is generated from the task schemas and up to date', async (t) => {
  const committed = readFileSync(join(REPO_ROOT, 'docs', 'tasks.md'), 'utf8');
  t.equal(committed, renderTaskDocs(taskModules), 'docs/tasks.md is stale: run `npm run docs`');
});

t.test('every module and every argument is documented', async (t) => {
  const docs = renderTaskDocs(taskModules);
  for (const m of taskModules) {
    t.match(docs, `\n## ${m.name}\n`, `${m.name} has a section`);
    for (const arg of Object.keys((m.schema.properties ?? {}) as object)) t.match(docs, `| \`${arg}\` |`, `${m.name}.${arg}`);
  }
});
