/**
 * Starting and stopping the process that serves a `lab up` cluster (cluster-serve.ts), and
 * the record it leaves in the lab directory. Only a process whose command line is
 * cluster-serve.ts for this very directory is ever signalled.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ClusterOptions } from './cluster.ts';

export const CLUSTER_OPTIONS_FILE = 'cluster-options.json';
export const CLUSTER_RECORD_FILE = 'cluster.json';
export const CLUSTER_LOG_FILE = 'cluster.log';

export interface ClusterRecord {
  pid: number;
  apiUrl: string;
  dataDir: string;
  inventoryFile: string;
  kubeconfigFile: string;
}

const SERVE_SCRIPT = fileURLToPath(new URL('./cluster-serve.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../bin/register.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export function readClusterRecord(dir: string): ClusterRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, CLUSTER_RECORD_FILE), 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is our serve process for `dir` (not a reused pid). */
export function isServing(dir: string, pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(SERVE_SCRIPT) && argv.includes(dir);
  } catch {
    return false;
  }
}

/** Start the serve process detached and wait until it has recorded itself. */
export async function startClusterServer(dir: string, options: ClusterOptions): Promise<ClusterRecord> {
  writeFileSync(join(dir, CLUSTER_OPTIONS_FILE), `${JSON.stringify(options, null, 2)}\n`);
  rmSync(join(dir, CLUSTER_RECORD_FILE), { force: true });
  const log = openSync(join(dir, CLUSTER_LOG_FILE), 'a');
  const child = spawn(process.execPath, ['--import', REGISTER, SERVE_SCRIPT, dir], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: '/',
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  child.unref();
  const end = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < end) {
    const record = readClusterRecord(dir);
    if (record && record.pid === child.pid) return record;
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exited === undefined && child.pid) process.kill(child.pid, 'SIGKILL');
  const tail = existsSync(join(dir, CLUSTER_LOG_FILE)) ? readFileSync(join(dir, CLUSTER_LOG_FILE), 'utf8').slice(-2000) : '';
  throw new Error(`the lab cluster did not start; ${join(dir, CLUSTER_LOG_FILE)}:\n${tail}`);
}

/** SIGTERM the serve process (it stops its daemons and the API), SIGKILL after 3 s. */
export async function stopClusterServer(dir: string): Promise<boolean> {
  const record = readClusterRecord(dir);
  if (!record || !isServing(dir, record.pid)) return false;
  process.kill(record.pid, 'SIGTERM');
  const end = Date.now() + 3000;
  while (Date.now() < end && isServing(dir, record.pid)) await new Promise((r) => setTimeout(r, 50));
  if (isServing(dir, record.pid)) process.kill(record.pid, 'SIGKILL');
  return true;
}
