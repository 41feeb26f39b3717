/** The shipped alert rules load and behave as their promtool unit tests say (Debian's promtool). */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-provision.ts';

const dir = join(REPO_ROOT, 'docs/monitoring');
const promtool = spawnSync('promtool', ['--version']);
const skip = promtool.status === 0 ? false : 'promtool is not installed (npm run setup installs Debian\'s prometheus)';

t.test('promtool check rules', { skip }, async (t) => {
  const r = spawnSync('promtool', ['check', 'rules', 'provision-multus.rules.yml'], { cwd: dir, encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /SUCCESS: 4 rules found/);
});

t.test('promtool test rules', { skip }, async (t) => {
  const r = spawnSync('promtool', ['test', 'rules', 'provision-multus.rules.test.yml'], { cwd: dir, encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /SUCCESS/);
});
