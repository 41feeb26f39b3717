/**
 * npm run lab -- up [N] [--dir DIR] [--data-dir K3S_DATA_DIR] [--k3s-version V]
 *                                       start a cluster of N nodes (default 3): nodes, the K3s
 *                                       layout, the API stand-in and the DaemonSet/kubelet
 *                                       simulation, all running on after it returns
 * npm run lab -- down [--dir DIR]       stop them and remove everything the lab made
 * npm run lab -- status [--dir DIR]     list the nodes and whether each sshd answers
 *
 * DIR defaults to /tmp/provision-lab/default; everything the lab knows is in DIR/state.json.
 */
import { basename, dirname, resolve } from 'node:path';
import { DEFAULT_BASE_DIR } from './names.ts';
import { startLab } from './lab.ts';
import { cleanupStaleLabs, teardownLab } from './teardown.ts';
import { isAlive, readState } from './state.ts';
import { sshBanner } from './node-probe.ts';
import { isServing, readClusterRecord, startClusterServer, stopClusterServer } from './cluster-record.ts';

const USAGE =
  'usage: npm run lab -- up [N] [--dir DIR] [--data-dir K3S_DATA_DIR] [--k3s-version V] | down [--dir DIR] | status [--dir DIR]';

interface Args {
  command: string;
  count: number;
  dir: string;
  dataDir?: string;
  k3sVersion?: string;
}

function parseArgs(argv: string[]): Args {
  const flags: Record<string, string> = { dir: `${DEFAULT_BASE_DIR}/default` };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(dir|data-dir|k3s-version)(?:=(.*))?$/.exec(argv[i]);
    if (m) flags[m[1]] = m[2] ?? argv[++i] ?? '';
    else rest.push(argv[i]);
  }
  const [command = '', countText, extra] = rest;
  if (!['up', 'down', 'status'].includes(command) || extra !== undefined || flags.dir === '') throw new Error(USAGE);
  if (countText !== undefined && (command !== 'up' || !/^\d+$/.test(countText))) throw new Error(USAGE);
  if (command !== 'up' && (flags['data-dir'] !== undefined || flags['k3s-version'] !== undefined)) throw new Error(USAGE);
  return {
    command,
    count: countText === undefined ? 3 : Number(countText),
    dir: resolve(flags.dir),
    ...(flags['data-dir'] ? { dataDir: flags['data-dir'] } : {}),
    ...(flags['k3s-version'] ? { k3sVersion: flags['k3s-version'] } : {}),
  };
}

async function up(args: Args): Promise<number> {
  const started = Date.now();
  const lab = await startLab({ nodes: args.count, id: basename(args.dir), baseDir: dirname(args.dir), detached: true });
  let cluster;
  try {
    cluster = await startClusterServer(lab.dir, { dataDir: args.dataDir, k3sVersion: args.k3sVersion });
  } catch (e) {
    await lab.stop();
    throw e;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  const first = lab.nodes[0];
  const sshOpts = `-i ${lab.rootKeyFile} -o UserKnownHostsFile=${lab.knownHostsFile} -o StrictHostKeyChecking=yes`;
  const lines = [
    `lab ${lab.id}: ${lab.nodes.length} node(s) up in ${seconds} s (host side ${lab.hostAddress})`,
    ...lab.nodes.map((n, i) => `  ${n.name.padEnd(10)} ${n.address}:${n.port}  ${i === 0 ? 'server' : 'agent '}  files: ${n.root}`),
    '',
    `K3s (simulated): data dir ${cluster.dataDir}; API stand-in ${cluster.apiUrl} (pid ${cluster.pid}, log ${lab.dir}/cluster.log)`,
    `kubeconfig:  ${cluster.kubeconfigFile}  (on the nodes: k3s kubectl …)`,
    `inventory:   ${lab.inventoryFile}`,
    `known_hosts: ${lab.knownHostsFile}`,
    `user:        ${lab.user.name} (password in ${lab.dir}/state.json; sudo asks for it), key ${lab.user.keyFile}`,
    `             ${lab.nopasswdUser?.name ?? ''} (sudo without password), same key`,
    '',
    `use it:      node bin/provision.js install -i ${lab.inventoryFile}`,
    `ssh:         ssh ${sshOpts} root@${first.address}`,
    `stop it:     npm run lab -- down${args.dir === resolve(`${DEFAULT_BASE_DIR}/default`) ? '' : ` --dir ${args.dir}`}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function down(args: Args): Promise<number> {
  await stopClusterServer(args.dir);
  const state = readState(args.dir);
  if (state) teardownLab(state);
  cleanupStaleLabs(dirname(args.dir));
  process.stdout.write(state ? `lab ${state.id} stopped and removed\n` : `no lab at ${args.dir}\n`);
  return 0;
}

async function status(args: Args): Promise<number> {
  const state = readState(args.dir);
  if (!state) {
    process.stdout.write(`no lab at ${args.dir}\n`);
    return 1;
  }
  let allUp = state.status === 'running';
  process.stdout.write(`lab ${state.id} (${state.status}) in ${state.dir}\n`);
  const record = readClusterRecord(args.dir);
  const serving = record !== undefined && isServing(args.dir, record.pid);
  allUp &&= serving;
  process.stdout.write(`  API stand-in and simulation: ${serving ? `running, ${record.apiUrl} (pid ${record.pid})` : 'not running'}\n`);
  for (const n of state.nodes) {
    const running = isAlive(n.init);
    const answers = running && n.address !== '' && (await sshBanner(n.address, 22, 2000));
    allUp &&= answers;
    const what = answers ? 'sshd answers' : running ? 'sshd does not answer' : 'not running';
    process.stdout.write(`  ${n.name.padEnd(10)} ${(n.address || '-').padEnd(15)} ${what}\n`);
  }
  return allUp ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.command === 'up') return up(args);
  if (args.command === 'down') return down(args);
  return status(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lab: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
