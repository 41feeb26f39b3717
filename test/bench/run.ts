/**
 * `npm run bench [-- --nodes N --reps R --scale-nodes M]`: speed figures, printed and written
 * to test/bench/results/latest.json; never asserted in tests. As root, on a lab of N nodes
 * (default 20) and one of M (default 100), alternating the contenders within each repetition:
 * - start-up: `node -e 0`, `provision --help`, `provision validate`;
 * - 5,000 hosts in 200 groups: load + validate + `--limit` patterns;
 * - `provision install` on N fresh nodes, and the no-op second install;
 * - `provision drift` as cron runs it, the tuned ansible-playbook check (test/bench/ansible/),
 *   and the OpenSSH floor (floor.sh), each a new process;
 * - drift on M nodes: time and peak RSS.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-provision.ts';
import { labSupport } from '../lab/lab.ts';
import { startCluster, type Cluster } from '../lab/cluster.ts';
import { parseBenchArgs } from './args.ts';
import { PROVISION, ansibleCheck, drift, floor, writeFloorScripts } from './contenders.ts';
import { expectExit, measureProcess, RSS_METHOD, type ProcessSample } from './measure.ts';
import { ansibleVersion, ensureBenchTools } from './setup.ts';
import { formatRatio, formatTable, formatTargets, ratio, resultsDocument, summarize, type Row, type Summary, type Target } from './stats.ts';
import { SCALE_GROUPS, SCALE_HOSTS, LIMIT_PATTERNS, timeScaleInventory, writeScaleInventory } from './inventory-scale.ts';

const args = parseBenchArgs(process.argv.slice(2));
const support = labSupport();
if (!support.ok) throw new Error(`npm run bench needs the lab (root, sshd, namespaces): ${support.reason}`);
ensureBenchTools();
const work = mkdtempSync(join(tmpdir(), 'provision-bench-'));
const rows: Row[] = [];
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const { nodes: N, reps: R } = args;

type Samples = { ms: number[]; rss: number[] };
const collect = (): Samples => ({ ms: [], rss: [] });
const add = (s: Samples, sample: ProcessSample) => (s.ms.push(sample.ms), s.rss.push(sample.rssMb));
const row = (name: string, s: Samples, note?: string): Row => ({ name, ms: summarize(s.ms), rssMb: summarize(s.rss), ...(note ? { note } : {}) });

// Start-up, alternating; validate on a 3-host k3s-ansible style inventory.
const small = join(work, 'inventory-3.yaml');
writeFileSync(small, 'k3s_cluster:\n  children:\n    server: { hosts: { node1: { ansible_host: 10.0.0.1 } } }\n    agent: { hosts: { node2: { ansible_host: 10.0.0.2 }, node3: { ansible_host: 10.0.0.3 } } }\n');
const node0 = collect();
const help = collect();
const validate = collect();
for (let r = 0; r < Math.max(R, 5); r++) {
  add(node0, expectExit('node -e 0', await measureProcess(process.execPath, ['-e', '0'])));
  add(help, expectExit('provision --help', await measureProcess(process.execPath, [PROVISION, '--help'])));
  add(validate, expectExit('provision validate', await measureProcess(process.execPath, [PROVISION, 'validate', '-i', small], { cwd: REPO_ROOT })));
}
const helpRatio = ratio(summarize(help.ms), summarize(node0.ms));
rows.push(row('node -e 0', node0), row('provision --help', help, `${formatRatio(helpRatio)} node -e 0`));
rows.push(row('provision validate -i (3 hosts, bundled playbooks)', validate, `${formatRatio(ratio(summarize(validate.ms), summarize(node0.ms)))} node -e 0`));

// The large inventory.
const big = writeScaleInventory(work);
const load: number[] = [];
const select: number[] = [];
let selected: number[] = [];
for (let r = 0; r < R; r++) {
  const t = timeScaleInventory(big);
  load.push(t.loadMs);
  select.push(t.selectMs);
  selected = t.selected;
}
const bigValidate = collect();
for (let r = 0; r < R; r++) add(bigValidate, expectExit('provision validate -i 5000', await measureProcess(process.execPath, [PROVISION, 'validate', '-i', big], { cwd: REPO_ROOT })));
rows.push({ name: `inventory ${SCALE_HOSTS} hosts / ${SCALE_GROUPS} groups: load + validate (in process)`, ms: summarize(load) });
rows.push({ name: `  ${LIMIT_PATTERNS.length} --limit patterns resolved (in process)`, ms: summarize(select), note: `${selected.join(', ')} hosts` });
rows.push(row(`  provision validate -i (${SCALE_HOSTS} hosts), whole process`, bigValidate));

// Installs on fresh clusters; the last cluster stays for the comparison.
const install = collect();
const noop = collect();
let cluster: Cluster | undefined;
for (let r = 0; r < R; r++) {
  if (cluster) await cluster.stop();
  say(`lab of ${N} nodes (install ${r + 1}/${R})`);
  cluster = await startCluster({ nodes: N });
  add(install, expectExit('provision install', await measureProcess(process.execPath, [PROVISION, 'install', '-i', cluster.inventoryFile])));
  add(noop, expectExit('provision install (no-op)', await measureProcess(process.execPath, [PROVISION, 'install', '-i', cluster.inventoryFile])));
}
rows.push(row(`provision install, ${N} fresh nodes`, install, 'includes the lab\'s simulated 300 ms pod start'));
rows.push(row(`provision install again (no-op), ${N} nodes`, noop));

// The comparison, alternating.
const scripts = writeFloorScripts(work);
const cron = collect();
const wide = collect();
const ansible = collect();
const openssh = collect();
try {
  for (let r = 0; r < R; r++) {
    say(`drift / ansible / floor, repetition ${r + 1}/${R}`);
    add(cron, await drift(cluster!));
    add(wide, await drift(cluster!, ['--forks', String(N)]));
    add(ansible, await ansibleCheck(cluster!));
    add(openssh, await floor(cluster!, scripts));
  }
} finally {
  await cluster!.stop();
}
const [cronS, wideS, ansibleS, floorS] = [cron, wide, ansible, openssh].map((s) => summarize(s.ms));
rows.push(row(`provision drift, ${N} nodes (cron line, default forks)`, cron, `${formatRatio(ratio(ansibleS, cronS))} faster than Ansible; ${formatRatio(ratio(cronS, floorS))} the floor`));
rows.push(row(`provision drift --forks ${N}, ${N} nodes`, wide, `${formatRatio(ratio(ansibleS, wideS))} faster than Ansible; ${formatRatio(ratio(wideS, floorS))} the floor`));
rows.push(row(`ansible-playbook drift-check.yaml, ${N} nodes (tuned)`, ansible));
rows.push(row(`OpenSSH floor: ${N} parallel ssh execs`, openssh, 'RSS: bash (largest ssh child)'));

// The larger lab: growth and peak RSS.
let scale: Summary | undefined;
let scaleRss: Summary | undefined;
if (args.scaleNodes > 0) {
  const M = args.scaleNodes;
  say(`lab of ${M} nodes`);
  const big2 = await startCluster({ nodes: M });
  try {
    const setup = expectExit(`provision install, ${M} nodes`, await measureProcess(process.execPath, [PROVISION, 'install', '-i', big2.inventoryFile, '--forks', '25']));
    rows.push({ name: `provision install --forks 25, ${M} fresh nodes (set-up, once)`, ms: summarize([setup.ms]), rssMb: summarize([setup.rssMb]) });
    const d = collect();
    for (let r = 0; r < R; r++) add(d, await drift(big2));
    scale = summarize(d.ms);
    scaleRss = summarize(d.rss);
    rows.push(row(`provision drift, ${M} nodes (cron line, default forks)`, d, `${formatRatio(ratio(scale, cronS))} the ${N}-node drift`));
  } finally {
    await big2.stop();
  }
}

const targets: Target[] = [
  { name: `drift at N=${N}: times faster than tuned Ansible`, value: ratio(ansibleS, cronS), bound: 10, kind: 'min' },
  { name: `drift at N=${N}: time / OpenSSH floor`, value: ratio(cronS, floorS), bound: 1, kind: 'max' },
  { name: 'provision --help / node -e 0', value: helpRatio, bound: 2, kind: 'max' },
  { name: `inventory of ${SCALE_HOSTS} hosts: load + validate + patterns (s)`, value: (summarize(load).median + summarize(select).median) / 1000, bound: 1, kind: 'max' },
];
if (scale && scaleRss) {
  targets.push({ name: `drift at N=${args.scaleNodes} / drift at N=${N}`, value: ratio(scale, cronS), bound: 5, kind: 'max' });
  targets.push({ name: `drift peak RSS at N=${args.scaleNodes} (MB)`, value: scaleRss.max, bound: 200, kind: 'max' });
}

const command = `npm run bench -- --nodes ${N} --reps ${R} --scale-nodes ${args.scaleNodes}`;
const doc = resultsDocument({
  date: new Date().toISOString(),
  command,
  machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100), node: process.version, ansible: ansibleVersion() },
  nodes: N,
  scaleNodes: args.scaleNodes,
  reps: R,
  rssMethod: RSS_METHOD,
  rows,
  targets,
});
const out = join(REPO_ROOT, 'test/bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`${command}\n${R} repetitions each, median (min–max); load average ${doc.machine.loadavg.join(' ')} on ${doc.machine.cpus} CPUs; peak RSS by ${RSS_METHOD}\n\n`);
process.stdout.write(`${formatTable(rows)}\n\n${formatTargets(doc.targets)}\n\nwritten: test/bench/results/latest.json\n`);
