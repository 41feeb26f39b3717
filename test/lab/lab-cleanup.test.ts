/**
 * A crashed run must never break the next one: a lab whose owner died (SIGKILL, no exit
 * handler) and kernel objects with no lab at all are swept by the next startLab, while a
 * live lab in the same base directory is left alone.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cleanupStaleLabs, labSupport, startLab } from './lab.ts';
import { labTag } from './names.ts';
import { isAlive, readState } from './state.ts';
import { runOk } from './host-commands.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const register = fileURLToPath(new URL('../../bin/register.js', import.meta.url));
const labModule = fileURLToPath(new URL('./lab.ts', import.meta.url));

const labObjects = (tag: string): string[] =>
  [...readdirSync('/run/netns'), ...readdirSync('/sys/class/net')].filter((n) => n.startsWith(`pv-${tag}-`));

/** Start a lab in a child process that then dies by SIGKILL, so no exit handler runs. */
function crashAfterStart(baseDir: string, id: string): Promise<void> {
  const code = [
    `const { startLab } = await import(${JSON.stringify(labModule)});`,
    `await startLab({ nodes: 2, id: ${JSON.stringify(id)}, baseDir: ${JSON.stringify(baseDir)} });`,
    `process.kill(process.pid, 'SIGKILL');`,
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', register, '--input-type=module', '-e', code], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`child did not crash as planned: ${stderr}`)),
    );
  });
}

t.test('leftovers of a crashed lab are swept by the next start', { skip }, async (t) => {
  const baseDir = mkdtempSync('/tmp/provision-lab-sweep-');
  t.teardown(() => rmSync(baseDir, { recursive: true, force: true }));

  const live = await startLab({ nodes: 1, baseDir });
  t.teardown(() => live.stop());

  const crashedId = `crash${process.pid % 100}`;
  await crashAfterStart(baseDir, crashedId);
  const crashed = readState(`${baseDir}/${crashedId}`);
  if (!crashed) throw new Error('the crashed lab left no state');
  t.equal(labObjects(crashed.tag).length, 5, 'its bridge, veths and netns are left behind');
  t.ok(crashed.nodes.every((n) => isAlive(n.init)), 'its nodes still run (detached)');

  // Kernel objects with no lab directory at all, as if the state had been deleted by hand.
  const orphan = labTag(`orphan-${process.pid}`);
  await runOk('ip', ['link', 'add', `pv-${orphan}-br`, 'type', 'bridge']);
  await runOk('ip', ['netns', 'add', `pv-${orphan}-n1`]);

  const next = await startLab({ nodes: 1, baseDir });
  t.teardown(() => next.stop());
  t.same(labObjects(crashed.tag), [], 'the crashed lab kernel objects are gone');
  t.same(labObjects(orphan), [], 'the orphan objects are gone');
  t.notOk(existsSync(crashed.dir), 'the crashed lab directory is gone');
  t.ok(crashed.nodes.every((n) => !isAlive(n.init)), 'the crashed nodes were killed');

  const stillThere = await live.exec(live.nodes[0], 'hostname');
  t.equal(stillThere.stdout, `${live.nodes[0].name}\n`, 'the live lab kept running');
  t.same(cleanupStaleLabs(baseDir), [], 'a second sweep finds nothing');
});
