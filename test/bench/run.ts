/**
 * `npm run bench`: the performance figures, printed, never asserted in tests.
 * - CLI start-up (`provision --help`)
 * - inventory load (2,000 hosts, 50 groups) and host-pattern selection
 * - template rendering
 * - a 4-task playbook on 3 lab nodes: first run, converged rerun, --check (needs root)
 * - provision install on a simulated 3-node K3s cluster: --check, first run, rerun (needs root)
 * - provision drift on it: in sync (time, commands per host), --fix of one replaced link
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { loadInventory } from '../../src/inventory/load.ts';
import { renderValue } from '../../src/template/index.ts';
import { REPO_ROOT, runInProcess } from '../helpers/run-provision.ts';
import { labSupport, startLab } from '../lab/lab.ts';
import { startCluster } from '../lab/cluster.ts';
import { benchDrift } from './drift.ts';

const figures: Array<[string, string]> = [];
const record = (name: string, value: string) => {
  figures.push([name, value]);
  process.stdout.write(`${name.padEnd(48)} ${value}\n`);
};

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function cliStartup(): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    spawnSync(process.execPath, [join(REPO_ROOT, 'bin/provision.js'), '--help'], { stdio: 'ignore' });
    samples.push(performance.now() - start);
  }
  record('cli start-up (provision --help), median of 5', ms(median(samples)));
}

async function inventoryLoad(dir: string): Promise<void> {
  const groups: Record<string, unknown> = {};
  for (let g = 0; g < 50; g++) {
    const hosts: Record<string, unknown> = {};
    for (let h = 0; h < 40; h++) hosts[`node-${g}-${h}`] = { ansible_host: `10.${g}.0.${h}`, ansible_port: 22 };
    groups[`group${g}`] = { hosts, vars: { zone: `z${g % 5}` } };
  }
  const file = join(dir, 'big-inventory.yaml');
  writeFileSync(file, stringify({ all: { children: groups, vars: { ansible_user: 'root' } } }));
  const samples: number[] = [];
  let inv = loadInventory(file);
  for (let i = 0; i < 5; i++) {
    const [t, value] = await time(() => loadInventory(file));
    samples.push(t);
    inv = value;
  }
  record('inventory load, 2000 hosts / 50 groups (median)', ms(median(samples)));
  const [sel] = await time(() => inv.select('group1*:&all:!group12'));
  record('host pattern select on 2000 hosts', ms(sel));
}

async function templating(): Promise<void> {
  const vars = { k3s_data_dir: '/var/lib/rancher/k3s', plugins: ['ipvlan', 'macvlan'], n: 3 };
  const n = 20_000;
  const [t] = await time(() => {
    for (let i = 0; i < n; i++) renderValue('{{ k3s_data_dir }}/data/cni/{{ plugins | join(",") }}-{{ n + 1 }}', vars);
  });
  record('template renders per second', `${Math.round(n / (t / 1000))}/s`);
}

async function labPlaybook(): Promise<void> {
  const support = labSupport();
  if (!support.ok) {
    record('lab playbook (3 nodes)', `skipped: ${support.reason}`);
    return;
  }
  const lab = await startLab({ nodes: 3 });
  try {
    const playbook = join(REPO_ROOT, 'test/fixtures/playbooks/converge-files.yaml');
    const [check] = await time(() => runInProcess(lab.inventoryFile, playbook, { check: true }));
    record('4 tasks x 3 nodes, --check on fresh nodes', ms(check));
    const [first] = await time(() => runInProcess(lab.inventoryFile, playbook));
    record('4 tasks x 3 nodes, first run (all changed)', ms(first));
    const reruns: number[] = [];
    for (let i = 0; i < 3; i++) reruns.push((await time(() => runInProcess(lab.inventoryFile, playbook)))[0]);
    record('4 tasks x 3 nodes, converged rerun (median of 3)', ms(median(reruns)));
    record('per task per host, converged rerun', ms(median(reruns) / 12));
  } finally {
    await lab.stop();
  }
}

async function labInstall(): Promise<void> {
  if (!labSupport().ok) return;
  const cluster = await startCluster({ nodes: 3 });
  try {
    const install = join(REPO_ROOT, 'playbooks/install.yaml');
    const [check] = await time(() => runInProcess(cluster.inventoryFile, install, { check: true }));
    record('install --check, 3 nodes', ms(check));
    const [first, run] = await time(() => runInProcess(cluster.inventoryFile, install));
    record('install, 3 nodes, first run', `${ms(first)} (exit ${run.summary.exitCode}; includes the simulated 300 ms pod start per node)`);
    const [again] = await time(() => runInProcess(cluster.inventoryFile, install));
    record('install, 3 nodes, rerun (0 changed)', ms(again));
    await benchDrift(cluster, record);
  } finally {
    await cluster.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'provision-bench-'));
await cliStartup();
await inventoryLoad(dir);
await templating();
await labPlaybook();
await labInstall();
process.stdout.write(`\n${figures.length} figures\n`);
