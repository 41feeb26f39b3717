/**
 * The K3s layout of docs/k3s-multus.md §3 under a temp data dir, for task-module tests: a bundle
 * `data/<hash>/bin` with the multicall `cni` and relative plugin links, `data/current`,
 * `data/cni` with absolute links (or, for older K3s, no data/cni), the Flannel conflist,
 * and a `k3s` command that answers `--version`. Nothing here is K3s; the multicall binary
 * is a small script whose text names its version, so each version has its own sha256.
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { k3sFacts } from '../../tasks/k3s/k3s-facts.ts';
import type { K3sFacts } from '../../tasks/k3s/facts.ts';
import { createTestHostContext } from './host-context.ts';

export const FAKE_PLUGINS = ['bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'];
export const FAKE_K3S_VERSION = 'v1.31.2+k3s1';

export interface FakeK3s {
  /** Temp root holding everything below. */
  root: string;
  dataDir: string;
  layout: 'cni' | 'current';
  binDir: string;
  confDir: string;
  flannelConflist: string;
  /** Bundle hash of the running version. */
  hash: string;
  /** Absolute path of the running multicall binary. */
  multicall: string;
  /** The fake k3s command. */
  k3sBinary: string;
  /** A K3s config file path (not created unless asked). */
  configFile: string;
  backupDir: string;
  stateDir: string;
}

export interface FakeK3sOptions {
  layout?: 'cni' | 'current';
  version?: string;
}

export function multicallScript(version: string): string {
  return `#!/bin/sh\n# fake multicall cni of K3s ${version}\necho "fake cni ${version} as \${0##*/}"\n`;
}

export const bundleHash = (version: string): string => createHash('sha256').update(multicallScript(version)).digest('hex');

export const FLANNEL_CONFLIST = `${JSON.stringify(
  { name: 'cbr0', cniVersion: '1.0.0', plugins: [{ type: 'flannel' }, { type: 'portmap' }, { type: 'bandwidth' }] },
  null,
  2,
)}\n`;

/** Builds the layout in a fresh temp dir (a plain path, as a data dir must be), removed at teardown. */
export async function makeFakeK3s(t: Test, options: FakeK3sOptions = {}): Promise<FakeK3s> {
  const root = await mkdtemp(join(tmpdir(), 'k3s-layout-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const layout = options.layout ?? 'cni';
  const version = options.version ?? FAKE_K3S_VERSION;
  const dataDir = join(root, 'k3s');
  const hash = await installBundle(dataDir, version);
  await replaceLink(join(dataDir, 'data', 'current'), join(dataDir, 'data', hash));
  if (layout === 'cni') await syncCniDir(dataDir, hash);
  const confDir = join(dataDir, 'agent', 'etc', 'cni', 'net.d');
  await mkdir(confDir, { recursive: true });
  await writeFile(join(confDir, '10-flannel.conflist'), FLANNEL_CONFLIST, { mode: 0o644 });
  const k3sBinary = join(root, 'bin', 'k3s');
  await writeK3sCommand(k3sBinary, version);
  return {
    root,
    dataDir,
    layout,
    binDir: layout === 'cni' ? join(dataDir, 'data', 'cni') : join(dataDir, 'data', 'current', 'bin'),
    confDir,
    flannelConflist: join(confDir, '10-flannel.conflist'),
    hash,
    multicall: join(dataDir, 'data', hash, 'bin', 'cni'),
    k3sBinary,
    configFile: join(root, 'etc', 'config.yaml'),
    backupDir: join(root, 'provision', 'backups'),
    stateDir: join(root, 'provision'),
  };
}

/**
 * A K3s upgrade as K3s does it: new bundle, data/current moved, and in data/cni every
 * symlink re-pointed and missing names created, while regular files are left alone.
 */
export async function upgradeFakeK3s(fake: FakeK3s, version: string): Promise<void> {
  const hash = await installBundle(fake.dataDir, version);
  await replaceLink(join(fake.dataDir, 'data', 'current'), join(fake.dataDir, 'data', hash));
  if (fake.layout === 'cni') await syncCniDir(fake.dataDir, hash);
  await writeK3sCommand(fake.k3sBinary, version);
  fake.hash = hash;
  fake.multicall = join(fake.dataDir, 'data', hash, 'bin', 'cni');
}

/** What a reference-plugin installer's `cp` does when it replaces the link with a file. */
export async function overwriteWithFile(path: string, content: string): Promise<void> {
  const tmp = `${path}.fake-tmp`;
  await writeFile(tmp, content, { mode: 0o755 });
  await rename(tmp, path);
}

/** A plain plugin file, as Multus's installer leaves multus-shim and passthru. */
export async function putPlugin(dir: string, name: string, mode = 0o755): Promise<void> {
  await writeFile(join(dir, name), `#!/bin/sh\necho ${name}\n`, { mode });
  await chmod(join(dir, name), mode);
}

async function installBundle(dataDir: string, version: string): Promise<string> {
  const hash = bundleHash(version);
  const bin = join(dataDir, 'data', hash, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'cni'), multicallScript(version), { mode: 0o755 });
  for (const name of FAKE_PLUGINS) await replaceLink(join(bin, name), 'cni');
  return hash;
}

async function syncCniDir(dataDir: string, hash: string): Promise<void> {
  const dir = join(dataDir, 'data', 'cni');
  await mkdir(dir, { recursive: true });
  const target = join(dataDir, 'data', hash, 'bin', 'cni');
  for (const name of ['cni', ...FAKE_PLUGINS]) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (st && !st.isSymbolicLink()) continue;
    if (st && (await readlink(path)) === target) continue;
    await replaceLink(path, target);
  }
}

async function writeK3sCommand(path: string, version: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `#!/bin/sh\nprintf 'k3s version %s (fake)\\ngo version go1.22.8\\n' '${version}'\n`, { mode: 0o755 });
}

async function replaceLink(path: string, target: string): Promise<void> {
  const tmp = `${path}.fake-tmp`;
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, path);
}

/** The `k3s` fact k3s_facts sets for the fake node, as later tasks receive it. */
export async function fakeFacts(fake: FakeK3s): Promise<K3sFacts> {
  const res = await k3sFacts.run({ k3s_data_dir: fake.dataDir, k3s_binary: fake.k3sBinary }, createTestHostContext());
  if (res.failed || !res.facts) throw new Error(`k3s_facts failed on the fake layout: ${res.msg}`);
  return res.facts.k3s as K3sFacts;
}
