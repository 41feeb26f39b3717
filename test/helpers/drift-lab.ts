/** Running `provision drift` against a lab cluster and reading what it reported. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { ProvisionError } from '../../src/errors.ts';
import type { CliRun } from './run-provision.ts';

/**
 * `provision ARGS` in this process (main(), as bin/provision.ts calls it, errors mapped to
 * their exit codes): the same command path without a new process per run.
 */
export async function provisionInProcess(args: string[]): Promise<CliRun> {
  let stdout = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      stdout += String(chunk);
      done();
    },
  });
  try {
    const code = await main(args, out);
    return { code, stdout, stderr: '' };
  } catch (err) {
    if (err instanceof ProvisionError) return { code: err.exitCode, stdout, stderr: err.message };
    throw err;
  }
}

export interface DriftDoc {
  exit_code: number;
  summary: { hosts: number; drifted: number; by_kind: Record<string, number> };
  hosts: Array<{ host: string; node: string; status: string; items: DriftDocItem[]; paths: Array<{ path: string; mark: string }>; duration_ms: number }>;
  cluster: { checked: boolean; extra_nodes: string[]; error?: string };
  items: DriftDocItem[];
  fix?: { hosts: string[]; steps: string[]; found: DriftDocItem[] };
}

export interface DriftDocItem {
  host: string;
  kind: string;
  path?: string;
  expected: string;
  found: string;
  severity: string;
}

export async function driftJson(inventory: string, extra: string[] = []): Promise<{ cli: CliRun; doc: DriftDoc }> {
  const cli = await provisionInProcess(['drift', '-i', inventory, '--json', ...extra]);
  let doc: DriftDoc;
  try {
    doc = JSON.parse(cli.stdout) as DriftDoc;
  } catch {
    throw new Error(`drift --json printed no JSON document (exit ${cli.code}): ${cli.stdout.slice(0, 400)} ${cli.stderr.slice(0, 400)}`);
  }
  return { cli, doc };
}

export function textfile(dir: string): string {
  return readFileSync(join(dir, 'provision_multus.prom'), 'utf8');
}
