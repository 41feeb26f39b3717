/**
 * What users run compiles nothing at run time. The attack: a local user plants code in the
 * compile cache a TypeScript loader keeps in the shared temp dir (`/tmp/tsx-0` for root)
 * before the next cron run; the loader trusted what it found and ran it as root. Here the
 * "shared temp dir" is a test dir given as TMPDIR: bin/provision.js must never create or read
 * a cache there, and the dev-tool loader (bin/register.js) must not either.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-provision.ts';

const uid = process.getuid?.() ?? 0;

/**
 * As a user runs it: without tap's own loader, which tap adds to every child's NODE_OPTIONS
 * (it would start Node's module-hooks thread before bin/register.js sets its environment).
 */
function run(args: string[], tmp: string) {
  return spawnSync('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TMPDIR: tmp },
    encoding: 'utf8',
  });
}

/** Append a payload to every cached file a loader left, as the attacker would. */
function plant(dir: string): number {
  let planted = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        appendFileSync(p, '\n;process.stdout.write("PLANTED-CODE-RAN");\n');
        planted++;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return planted;
}

t.test('bin/provision.js runs compiled JavaScript: no compile cache in TMPDIR, planted code never runs', async (t) => {
  const tmp = t.testdir();
  const first = run(['bin/provision.js', 'validate', '-i', 'inventory/hosts.yaml'], tmp);
  t.equal(first.status, 0, first.stderr);
  const cache = join(tmp, `tsx-${uid}`);
  t.notOk(existsSync(cache), 'no loader cache was created in the shared temp dir');
  plant(cache);
  const second = run(['bin/provision.js', 'validate', '-i', 'inventory/hosts.yaml'], tmp);
  t.equal(second.status, 0, second.stderr);
  t.notMatch(second.stdout + second.stderr, 'PLANTED-CODE-RAN');
  t.same(readdirSync(tmp), [], 'the temp dir is untouched');
  t.notMatch(readFileSync(join(REPO_ROOT, 'bin', 'provision.js'), 'utf8'), /tsx/, 'the entry loads no TypeScript loader');
  t.ok(existsSync(join(REPO_ROOT, 'dist', 'bin', 'provision.js')), 'it runs the build in dist/');
});

t.test('the dev-tool loader (npm run lab, bench, docs) keeps no cache in TMPDIR either', async (t) => {
  const tmp = t.testdir();
  const r = run(['--import', './bin/register.js', '--input-type=module', '-e', "const m = await import('./src/package-root.ts'); console.log(typeof m.PACKAGE_ROOT, process.env.TMPDIR)"], tmp);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), `string ${tmp}`, 'the tool itself still sees the usual TMPDIR');
  t.same(readdirSync(tmp).filter((n) => n.startsWith('tsx')), [], 'no tsx cache dir');
});
