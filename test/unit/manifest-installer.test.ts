/**
 * Runs the extra-plugin installer script exactly as the rendered manifest carries it,
 * with /bin/sh, against a directory laid out like K3s's data/cni bin dir as that
 * init container sees it (K3s's absolute symlinks dangle there).
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { K3S_OWNED_PLUGINS } from '../../tasks/k3s/layout.ts';
import { renderMultusManifest } from '../../tasks/multus/render.ts';

function installerScript(): { script: string; owned: string } {
  const docs = parseAllDocuments(renderMultusManifest({}).yaml);
  if (!Array.isArray(docs)) throw new Error('no documents');
  const ds = docs.map((d) => d.toJS()).find((o) => o?.kind === 'DaemonSet');
  const init = ds.spec.template.spec.initContainers.find((c: { name: string }) => c.name === 'install-extra-cni-plugins');
  const owned = init.env.find((e: { name: string }) => e.name === 'K3S_OWNED_PLUGINS').value;
  return { script: init.command[2], owned };
}

/** The container's two mount points, moved to test directories. */
function relocate(script: string, src: string, dest: string): string {
  const lines = script.split('\n');
  const at = (prefix: string) => {
    const matches = lines.flatMap((l, i) => (l === prefix ? [i] : []));
    if (matches.length !== 1) throw new Error(`expected one "${prefix}" line`);
    return matches[0];
  };
  lines[at('src=/opt/cni/bin')] = `src='${src}'`;
  lines[at('dest=/host/opt/cni/bin')] = `dest='${dest}'`;
  return lines.join('\n');
}

interface Node {
  root: string;
  src: string;
  dest: string;
  /** A file a resolvable symlink points at: an installer writing through would change it. */
  victim: string;
}

function k3sNode(t: Test): Node {
  const root = t.testdir({});
  const src = join(root, 'image-opt-cni-bin');
  const dest = join(root, 'k3s-data-cni');
  mkdirSync(src);
  mkdirSync(dest);
  for (const p of ['ipvlan', 'macvlan', 'host-local', 'bridge']) writeFileSync(join(src, p), `reference ${p}\n`);
  // K3s's entries: absolute symlinks into <data-dir>/data/<hash>/bin, not mounted here.
  for (const p of K3S_OWNED_PLUGINS) symlinkSync('/var/lib/rancher/k3s/data/0123abcd/bin/cni', join(dest, p));
  // A resolvable symlink in the way: replacing must not write through it.
  const victim = join(root, 'victim');
  writeFileSync(victim, 'must stay\n');
  symlinkSync(victim, join(dest, 'macvlan'));
  return { root, src, dest, victim };
}


function run(node: Node, plugins: string) {
  const { script, owned } = installerScript();
  return spawnSync('/bin/sh', ['-c', relocate(script, node.src, node.dest)], {
    env: { PATH: process.env.PATH, EXTRA_CNI_PLUGINS: plugins, K3S_OWNED_PLUGINS: owned },
    encoding: 'utf8',
  });
}

function k3sLinksIntact(t: Test, node: Node) {
  for (const p of K3S_OWNED_PLUGINS) {
    const path = join(node.dest, p);
    t.ok(lstatSync(path).isSymbolicLink(), `${p} is still K3s's symlink`);
    t.equal(readlinkSync(path), '/var/lib/rancher/k3s/data/0123abcd/bin/cni');
  }
}

t.test('installs exactly the listed plugins by rename, leaving K3s entries alone', async (t) => {
  const node = k3sNode(t);
  const r = run(node, 'ipvlan macvlan');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /installed ipvlan\ninstalled macvlan/);
  for (const p of ['ipvlan', 'macvlan']) {
    const st = lstatSync(join(node.dest, p));
    t.ok(st.isFile(), `${p} is a regular file`);
    t.equal(st.mode & 0o777, 0o755);
    t.equal(readFileSync(join(node.dest, p), 'utf8'), `reference ${p}\n`);
  }
  t.equal(readFileSync(node.victim, 'utf8'), 'must stay\n', 'the old symlink was replaced, not written through');
  k3sLinksIntact(t, node);
  t.same(readdirSync(node.dest).filter((f) => f.startsWith('.')), [], 'no temp files left');
  t.same(
    readdirSync(node.dest).sort(),
    [...K3S_OWNED_PLUGINS, 'ipvlan', 'macvlan'].sort(),
    'bridge and host-local from the image were not copied',
  );
});

t.test('a K3s-owned name fails the container and changes nothing', async (t) => {
  for (const owned of ['host-local', 'bridge', 'cni']) {
    const node = k3sNode(t);
    const r = run(node, `ipvlan ${owned}`);
    t.not(r.status, 0, owned);
    t.match(r.stderr, `refusing to install ${owned}`);
    t.notOk(readdirSync(node.dest).includes('ipvlan'), 'nothing installed before the refusal');
    k3sLinksIntact(t, node);
  }
});

t.test('unknown or odd names fail before anything is copied', async (t) => {
  const node = k3sNode(t);
  const missing = run(node, 'ipvlan nosuch');
  t.not(missing.status, 0);
  t.match(missing.stderr, /nosuch is not in this image/);
  const odd = run(node, 'ipvlan ../x');
  t.not(odd.status, 0);
  t.match(odd.stderr, /refusing odd plugin name/);
  const glob = run(node, '*');
  t.not(glob.status, 0, 'a glob is a name, not every file');
  t.notOk(readdirSync(node.dest).includes('ipvlan'));
  k3sLinksIntact(t, node);
});

t.test('a directory in the way is refused, not moved into', async (t) => {
  const node = k3sNode(t);
  mkdirSync(join(node.dest, 'ipvlan'));
  const r = run(node, 'ipvlan');
  t.not(r.status, 0);
  t.match(r.stderr, /is a directory/);
  t.same(readdirSync(join(node.dest, 'ipvlan')), []);
});

t.test('an empty list installs nothing and succeeds', async (t) => {
  const node = k3sNode(t);
  const r = run(node, '');
  t.equal(r.status, 0, r.stderr);
  t.same(readdirSync(node.dest).sort(), [...K3S_OWNED_PLUGINS, 'macvlan'].sort());
});
