/**
 * The README's commands stay true to the code: every `provision` command line it shows
 * names a real command with flags the parser accepts, and the ones that need no hosts run;
 * every `npm run` line names a package.json script (the bench line with arguments it takes).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/run-provision.ts';
import { parseBenchArgs } from '../bench/args.ts';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const codeBlocks = [...readme.matchAll(/```(?:sh)?\n([^]*?)```/g)].map((m) => m[1]);
const commandLines = codeBlocks
  .flatMap((block) => block.split('\n'))
  .map((line) => line.replace(/^\$ /, '').replace(/^sudo /, '').replace(/\s+#.*$/, '').trim())
  .filter((line) => line.startsWith('./bin/provision.js '));

t.test('the README shows provision commands', async (t) => {
  t.ok(commandLines.length >= 6, `${commandLines.length} command lines`);
});

t.test('every README provision command parses (command and flags exist)', async (t) => {
  for (const line of new Set(commandLines)) {
    const args = line.split(/\s+/).slice(1);
    const run = await runCli([...args, '--help']);
    t.equal(run.code, 0, `${line}: ${run.stderr.trim()}`);
    t.match(run.stdout, `Usage: provision ${args[0]}`, line);
  }
});

t.test('the README manifest command renders for the example inventory', async (t) => {
  const line = commandLines.find((l) => l.includes(' manifest '));
  t.ok(line, 'the README shows provision manifest');
  const run = await runCli(line!.split(/\s+/).slice(1));
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /kind: DaemonSet/);
  t.match(run.stdout, /multus-cni:v4\.3\.0-thick/);
});

t.test('every README `npm run` line names a package.json script; the bench line parses', async (t) => {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const npmLines = codeBlocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/^\$ /, '').replace(/^sudo /, '').replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npm run '));
  t.ok(npmLines.some((l) => l.startsWith('npm run bench')), 'the README shows npm run bench');
  for (const line of new Set(npmLines)) {
    const [, , script, ...rest] = line.split(/\s+/);
    t.ok(Object.hasOwn(scripts, script), `${line}: package.json has a "${script}" script`);
    if (script === 'bench') t.doesNotThrow(() => parseBenchArgs(rest[0] === '--' ? rest.slice(1) : rest), line);
  }
});
