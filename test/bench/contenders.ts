/**
 * The whole-process commands `npm run bench` times against one installed lab cluster:
 * `provision drift` as cron runs it, the tuned ansible-playbook check, and the OpenSSH floor.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../lab/cluster.ts';
import { REPO_ROOT } from '../helpers/run-provision.ts';
import { driftProbeCommand } from '../../tasks/drift/probe.ts';
import { clusterReadCommand } from '../../tasks/drift/multus-cluster-read.ts';
import { kubectlPrefix } from '../../tasks/kubectl/kubectl.ts';
import { MULTUS_DEFAULTS, deployedMultusImage } from '../../tasks/multus/manifest-vars.ts';
import { DEFAULT_BACKUP_DIR, DEFAULT_EXTRA_CNI_PLUGINS, DEFAULT_STATE_DIR, MULTUS_SOCKET } from '../../tasks/lib/defaults.ts';
import { MULTUS_OWNED_BINARIES } from '../../tasks/k3s/layout.ts';
import { expectExit, measureProcess, type ProcessSample } from './measure.ts';

export const PROVISION = join(REPO_ROOT, 'bin/provision.js');
const ANSIBLE_DIR = join(REPO_ROOT, 'test/bench/ansible');
const FLOOR = join(REPO_ROOT, 'test/bench/floor.sh');

/** The line cron runs (`provision schedule` writes it), without the textfile. */
export const driftArgs = (inventory: string, extra: string[] = []): string[] => [PROVISION, 'drift', '-i', inventory, '--quiet', ...extra];

export async function drift(cluster: Cluster, extra: string[] = []): Promise<ProcessSample> {
  return expectExit('provision drift', await measureProcess(process.execPath, driftArgs(cluster.inventoryFile, extra)));
}

export async function ansibleCheck(cluster: Cluster): Promise<ProcessSample> {
  const controlDir = mkdtempSync(join(tmpdir(), 'provision-bench-cp-'));
  try {
    const sample = await measureProcess(
      'ansible-playbook',
      ['-i', cluster.inventoryFile, join(ANSIBLE_DIR, 'drift-check.yaml'), '-e', `multus_image_wanted=${deployedMultusImage(MULTUS_DEFAULTS.multus_image, MULTUS_DEFAULTS.multus_version)}`],
      {
        cwd: ANSIBLE_DIR,
        env: {
          ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
          ANSIBLE_FORKS: String(cluster.lab.nodes.length),
          ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
          ANSIBLE_SSH_COMMON_ARGS: `-o UserKnownHostsFile=${cluster.lab.knownHostsFile} -o StrictHostKeyChecking=yes`,
        },
      },
    );
    return expectExit('ansible-playbook drift-check.yaml', sample);
  } finally {
    stopControlMasters(controlDir);
  }
}

/** The ControlPersist masters this run left: each told to exit through its own socket. */
function stopControlMasters(dir: string): void {
  for (const socket of readdirSync(dir)) spawnSync('ssh', ['-o', `ControlPath=${join(dir, socket)}`, '-O', 'exit', 'bench'], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

export interface FloorScripts {
  probeFile: string;
  kubectlFile: string;
}

/** The remote commands drift sends, with the defaults of playbooks/drift.yaml. */
export function writeFloorScripts(dir: string): FloorScripts {
  const probeFile = join(dir, 'drift-probe.sh');
  const kubectlFile = join(dir, 'cluster-read.sh');
  writeFileSync(
    probeFile,
    driftProbeCommand({
      plugins: [...new Set([...MULTUS_OWNED_BINARIES, ...DEFAULT_EXTRA_CNI_PLUGINS])],
      socket: MULTUS_SOCKET,
      stateDir: DEFAULT_STATE_DIR,
      backupDir: DEFAULT_BACKUP_DIR,
    }),
  );
  writeFileSync(kubectlFile, clusterReadCommand(kubectlPrefix({}, {})));
  return { probeFile, kubectlFile };
}

export async function floor(cluster: Cluster, scripts: FloorScripts): Promise<ProcessSample> {
  const { lab } = cluster;
  const sample = await measureProcess('bash', [FLOOR, lab.knownHostsFile, lab.rootKeyFile, scripts.probeFile, scripts.kubectlFile, ...lab.nodes.map((n) => n.address)]);
  return expectExit('OpenSSH floor', sample);
}
