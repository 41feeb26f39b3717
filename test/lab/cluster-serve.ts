/**
 * The process that keeps a `lab up` cluster's API stand-in and simulation running after
 * `lab up` returns: `node --import ./bin/register.js test/lab/cluster-serve.ts DIR`.
 * It reads DIR/cluster-options.json, attaches to the running lab in DIR, records itself in
 * DIR/cluster.json once the API answers, and stops on SIGTERM (`lab down`).
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { openLab } from './lab.ts';
import { attachCluster, type ClusterOptions } from './cluster.ts';
import { CLUSTER_OPTIONS_FILE, CLUSTER_RECORD_FILE, type ClusterRecord } from './cluster-record.ts';

async function main(dir: string): Promise<void> {
  const lab = openLab(dir);
  if (!lab) throw new Error(`no running lab in ${dir}`);
  const options = JSON.parse(readFileSync(join(dir, CLUSTER_OPTIONS_FILE), 'utf8')) as ClusterOptions;
  const cluster = await attachCluster(lab, { ...options, log: (line) => process.stdout.write(`${line}\n`) });
  const record: ClusterRecord = {
    pid: process.pid,
    apiUrl: cluster.api.url,
    dataDir: cluster.dataDir,
    inventoryFile: cluster.inventoryFile,
    kubeconfigFile: cluster.kubeconfigFile,
  };
  const file = join(dir, CLUSTER_RECORD_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file); // `lab up` waits for this file: it must never see half of it
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void cluster.stop({ keepLab: true }).finally(() => process.exit(0));
  });
}

main(process.argv[2] ?? '').catch((e: unknown) => {
  process.stderr.write(`lab cluster: ${(e as Error).message}\n`);
  process.exit(1);
});
