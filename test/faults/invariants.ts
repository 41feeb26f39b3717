/**
 * The promises every fault test checks after its fault (docs/reliability.md, "The
 * invariants"), read from the nodes' own files:
 *   - host-local always resolves to an executable (a watcher in a second process, all run long);
 *   - the pristine backup and its record keep their bytes (sha256) and inodes once written;
 *   - 10-flannel.conflist keeps its bytes; no file under /var/lib/rancher or /etc/rancher
 *     that was there before the first install is gone;
 *   - a canary file outside the product's paths is never touched;
 *   - rerunning the command converges, and a rollback from the resulting state restores the node.
 */
import type { Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../lab/cluster.ts';
import { CNI_DIR, CONF_DIR, FLANNEL, K3S_NAMES, PRISTINE, STATE, flannelBytes, multicallOf, nodeFile } from '../lab/rollback-checks.ts';
import { runCli, type CliRun } from '../helpers/run-provision.ts';
import { startHostLocalWatcher, type HostLocalWatcher } from './watcher.ts';

const PRISTINE_DIR = '/var/lib/provision/backups/pristine';
/** Trees whose every pre-existing entry must survive (K3s's files and config). */
const KEPT_TREES = ['/var/lib/rancher', '/etc/rancher'];
/** Places the product never writes: a canary in each. */
const CANARY_PATHS = ['/var/lib/rancher/k3s/agent/canary.txt', '/root/canary.txt', '/var/lib/cni/canary.txt'];

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function listTree(root: string, rel = ''): string[] {
  const out: string[] = [rel || '/'];
  const path = join(root, rel);
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path).sort()) out.push(...listTree(root, `${rel}/${name}`));
  return out;
}

interface NodeBaseline {
  flannel: string;
  entries: string[];
  canaries: Record<string, { text: string; stamp: string }>;
  /** sha256 and inode of every file of the pristine backup, once it exists. */
  pristine?: string;
}

export interface Invariants {
  watcher: HostLocalWatcher;
  /** Every invariant but convergence, now; `label` names the moment in each assertion. */
  check(t: Test, label: string): Promise<void>;
  /** Run `args` again: it exits 0 (checked) and the invariants hold. */
  rerunConverges(t: Test, args: string[]): Promise<CliRun>;
  /**
   * `provision rollback --force`: exits 0, every node looks rolled back, the invariants hold.
   * `leftBehind` lists, per node, bin dir names no record accounts for (copies an installer
   * made): rollback keeps them, and must name them.
   */
  rollbackRestores(t: Test, leftBehind?: Record<string, string[]>): Promise<CliRun>;
  stop(): Promise<void>;
}

async function pristineIdentity(cluster: Cluster, node: string): Promise<string | undefined> {
  const r = await cluster.lab.exec(node, `cd ${PRISTINE_DIR} 2>/dev/null || exit 3; find . -type f -exec stat -c '%n %i' {} + | sort; find . -type f -exec sha256sum {} + | sort`);
  if (r.exitCode === 3) return undefined;
  if (r.exitCode !== 0) throw new Error(`${node}: reading the pristine backup: ${r.stderr}`);
  return r.stdout;
}

function stampOf(path: string): string {
  const st = statSync(path);
  return `${st.ino} ${st.mtimeMs} ${st.mode}`;
}

/** Capture the baseline (call before the first install) and start the watcher. */
export async function watchInvariants(t: Test, cluster: Cluster, nodes: string[]): Promise<Invariants> {
  const at = (node: string, path: string) => cluster.lab.hostPath(node, path);
  const baseline: Record<string, NodeBaseline> = {};
  for (const node of nodes) {
    const canaries: NodeBaseline['canaries'] = {};
    for (const path of CANARY_PATHS) {
      const text = `canary ${randomBytes(8).toString('hex')}\n`;
      writeFileSync(at(node, path), text);
      canaries[path] = { text, stamp: stampOf(at(node, path)) };
    }
    baseline[node] = {
      flannel: sha256(flannelBytes(cluster, node)),
      entries: KEPT_TREES.flatMap((tree) => listTree(at(node, tree)).map((rel) => `${tree}${rel === '/' ? '' : rel}`)),
      canaries,
      pristine: await pristineIdentity(cluster, node),
    };
  }
  const watcher = await startHostLocalWatcher(
    nodes.map((name) => ({ name, root: cluster.lab.nodes.find((n) => n.name === name)!.root, path: `${CNI_DIR}/host-local` })),
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await watcher.stop();
  };
  t.teardown(stop);

  const check = async (t: Test, label: string): Promise<void> => {
    const report = await watcher.report();
    t.ok(report.checks > 0, `${label}: the host-local watcher is polling`);
    t.same(report.failures, [], `${label}: host-local resolved to an executable at every one of ${report.checks} checks`);
    for (const node of nodes) {
      const base = baseline[node];
      t.equal(sha256(readFileSync(at(node, FLANNEL))), base.flannel, `${label}: ${node}: 10-flannel.conflist unchanged`);
      const gone = base.entries.filter((path) => {
        try {
          lstatSync(at(node, path));
          return false;
        } catch {
          return true;
        }
      });
      t.same(gone, [], `${label}: ${node}: every file that was there before the install is there`);
      for (const [path, canary] of Object.entries(base.canaries)) {
        t.equal(readFileSync(at(node, path), 'utf8'), canary.text, `${label}: ${node}: canary ${path} unchanged`);
        t.equal(stampOf(at(node, path)), canary.stamp, `${label}: ${node}: canary ${path} not rewritten`);
      }
      const pristine = await pristineIdentity(cluster, node);
      if (base.pristine === undefined) base.pristine = pristine;
      else t.equal(pristine, base.pristine, `${label}: ${node}: the pristine backup and its record are the same files, byte for byte`);
    }
  };

  return {
    watcher,
    check,
    async rerunConverges(t, args) {
      const run = await runCli(args);
      t.equal(run.code, 0, `rerun of ${args[0]} converges: ${run.stdout.slice(-3000)}${run.stderr}`);
      await check(t, `after rerunning ${args[0]}`);
      return run;
    },
    async rollbackRestores(t, leftBehind = {}) {
      const run = await runCli(['rollback', '-i', cluster.inventoryFile, '--force']);
      t.equal(run.code, 0, `rollback restores: ${run.stdout.slice(-3000)}${run.stderr}`);
      for (const node of nodes) await assertRestored(t, cluster, node, leftBehind[node] ?? [], run.stdout);
      await check(t, 'after rollback');
      return run;
    },
    stop,
  };
}

/**
 * A rolled-back node (docs/k3s-multus.md §10): K3s's names link to the current multicall
 * binary; the bin dir holds them, what the pristine record lists as there before, and the
 * `leftBehind` copies (named in the rollback's output); Multus's conf, socket dir and caches
 * are gone; state.json says rolled back.
 */
async function assertRestored(t: Test, cluster: Cluster, node: string, leftBehind: string[], output: string): Promise<void> {
  const at = (path: string) => cluster.lab.hostPath(node, path);
  const pristine = JSON.parse((await nodeFile(cluster, node, PRISTINE)) ?? '{}') as { bin_dir_others?: string[]; conf_dir_files?: string[] };
  const multicall = multicallOf(cluster.k3sVersion(node));
  t.same(readdirSync(at(CNI_DIR)).sort(), [...K3S_NAMES, ...(pristine.bin_dir_others ?? []), ...leftBehind].sort(), `${node}: bin dir holds K3s's names and what was there before`);
  for (const name of leftBehind) t.match(output, new RegExp(`leaving [^\\n]*\\b${name}\\b`), `${node}: the rollback names ${name} it leaves`);
  for (const name of K3S_NAMES) {
    const p = at(`${CNI_DIR}/${name}`);
    t.equal(lstatSync(p).isSymbolicLink() ? readlinkSync(p) : 'not a link', multicall, `${node}: ${name} -> the current multicall binary`);
  }
  // The pristine backup is taken before Multus ever reached the node: none of its files in it.
  t.same((pristine.bin_dir_others ?? []).filter((n) => ['multus-shim', 'passthru'].includes(n)), [], `${node}: the pristine record lists no Multus binary`);
  t.notOk(pristine.conf_dir_files?.includes('00-multus.conf'), `${node}: the pristine record lists no 00-multus.conf`);
  t.same(readdirSync(at(CONF_DIR)).sort(), [...new Set(['10-flannel.conflist', ...(pristine.conf_dir_files ?? [])])].sort(), `${node}: conf dir as before the install`);
  t.notOk(existsSync(at('/run/multus')), `${node}: /run/multus gone`);
  t.notOk(existsSync(at('/var/lib/cni/multus')), `${node}: /var/lib/cni/multus gone`);
  const state = JSON.parse((await nodeFile(cluster, node, STATE)) ?? '{}') as Record<string, unknown>;
  t.match(state, { rolled_back_at: /^\d{4}-\d\d-\d\dT/ }, `${node}: state.json says rolled back`);
}
