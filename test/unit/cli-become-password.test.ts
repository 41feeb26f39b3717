/**
 * The sudo password without the command line (where `ps` shows it to every local user):
 * -K reads it from the terminal, or from stdin's first line; --become-password-file from
 * a file. It is masked in every output, JSON-escaped forms and short ones included.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../helpers/run-provision.ts';

function provision(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'provision.js'), ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

function setup(t: { testdir(): string }, hostVars: Record<string, unknown> = {}) {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, stringify({ all: { hosts: { h1: { ansible_connection: 'local', ...hostVars } } } }));
  const pb = join(dir, 'pb.yaml');
  writeFileSync(
    pb,
    stringify([{ hosts: 'all', tasks: [{ name: 'show', debug: { var: "{'pw': ansible_become_password}" } }, { name: 'as text', debug: { msg: 'pw={{ ansible_become_password }}.' } }] }]),
  );
  return { dir, inv, pb };
}

const PW = 'q"u\\ote-pw';

t.test('-K takes the password from stdin when it is not a terminal; it is masked, JSON-escaped form too', async (t) => {
  const { inv, pb } = setup(t);
  const run = await provision(['run', pb, '-i', inv, '-K', '-v'], `${PW}\nignored second line\n`);
  t.equal(run.code, 0, run.stderr);
  t.notMatch(run.stdout, 'ote-pw', 'neither raw nor escaped');
  t.match(run.stdout, `{'pw': ansible_become_password}: {"pw":"********"}`, 'shown as JSON: the escaped form is masked');
  t.match(run.stdout, 'pw=********.');
});

t.test('--become-password-file: the first line of the file', async (t) => {
  const { dir, inv, pb } = setup(t);
  const file = join(dir, 'pw');
  writeFileSync(file, `${PW}\n`, { mode: 0o600 });
  const run = await provision(['run', pb, '-i', inv, '--become-password-file', file, '--json']);
  t.equal(run.code, 0, run.stderr);
  t.notMatch(run.stdout, 'ote-pw');
  t.match(run.stdout, '********');
  const missing = await provision(['run', pb, '-i', inv, '--become-password-file', join(dir, 'nope')]);
  t.equal(missing.code, 4, 'a missing file is a usage error');
});

t.test('the inventory password wins over -K (as in Ansible), and a short one is masked too', async (t) => {
  const { inv, pb } = setup(t, { ansible_become_password: 'x9' });
  const run = await provision(['run', pb, '-i', inv, '-K', '-v'], 'from-stdin\n');
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, 'pw=********.');
  t.notMatch(run.stdout, /\bx9\b/, 'a 2-character password is not shown');
  t.notMatch(run.stdout, 'from-stdin');
});

t.test('a secret given with -e is warned about: ps shows it', async (t) => {
  const { inv, pb } = setup(t);
  const run = await provision(['run', pb, '-i', inv, '-e', 'ansible_become_password=on-argv']);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /\[WARNING\]: -e ansible_become_password=… puts a secret on the command line/);
  t.notMatch(run.stderr + run.stdout, 'on-argv');
});
