/** provision rollback as a user meets it: its help with the exit codes, and usage errors. */
import t from 'tap';
import { runCli } from '../helpers/run-provision.ts';

t.test('rollback --help lists the steps, the flags and every exit code', async (t) => {
  const run = await runCli(['rollback', '--help']);
  t.equal(run.code, 0);
  t.match(run.stdout, /^Usage: provision rollback -i INVENTORY \[--force\] \[--purge\]/);
  for (const flag of ['--force', '--purge', '--check']) t.match(run.stdout, flag);
  t.match(run.stdout, /Exit codes of a rollback:\n  0 [^]*\n  1 [^]*refused[^]*\n  2 [^]*\n  3 [^]*unreachable[^]*\n  4 [^]*\n  5 /);
  t.match(run.stdout, /130\s+interrupted/);
  const main = await runCli(['--help']);
  t.match(main.stdout, /rollback -i INV/);
});

t.test('rollback refuses arguments and unknown flags before touching anything (exit 4)', async (t) => {
  const extra = await runCli(['rollback', '-i', 'inventory/hosts.yaml', 'now']);
  t.equal(extra.code, 4);
  t.match(extra.stderr, /rollback takes no arguments, got now/);
  const unknown = await runCli(['rollback', '-i', 'inventory/hosts.yaml', '--forse']);
  t.equal(unknown.code, 4);
  t.match(unknown.stderr, /--forse/);
  const noInventory = await runCli(['rollback', '--force']);
  t.equal(noInventory.code, 4);
  t.match(noInventory.stderr, /missing -i\/--inventory/);
});
