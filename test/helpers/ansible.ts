/**
 * Runs the real ansible-core (Debian's, see test/lab/install-host-deps.sh) beside provision,
 * isolated from the machine's own Ansible set-up: an empty ANSIBLE_CONFIG, HOME and
 * ANSIBLE_LOCAL_TEMP in a temp dir, no colour, no retry files. Nothing here contacts a host:
 * callers use `ansible-inventory --list`, `--list-hosts` and the `debug` module, which
 * Ansible runs on the controller.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type AnsibleCommand = 'ansible' | 'ansible-inventory' | 'ansible-playbook';

export interface AnsibleRun {
  stdout: string;
  stderr: string;
  code: number;
}

let isolatedHome: string | undefined;

/** The environment every Ansible process of the tests runs with (one temp HOME per test process). */
export function ansibleEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  if (!isolatedHome) {
    isolatedHome = mkdtempSync(join(tmpdir(), 'provision-ansible-'));
    writeFileSync(join(isolatedHome, 'ansible.cfg'), '');
    mkdirSync(join(isolatedHome, 'tmp'));
  }
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: isolatedHome,
    ANSIBLE_CONFIG: join(isolatedHome, 'ansible.cfg'),
    ANSIBLE_LOCAL_TEMP: join(isolatedHome, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_HOST_KEY_CHECKING: '0',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
    ...extra,
  };
}

/** One Ansible process; resolves with its output and exit code, whatever the code. */
export function runAnsible(
  command: AnsibleCommand,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<AnsibleRun> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: ansibleEnv(options.env), maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ stdout, stderr, code: err ? (err.code as number) : 0 });
      },
    );
  });
}

/** Runs Ansible and parses its stdout as JSON; a non-zero exit or non-JSON output throws with stderr. */
export async function runAnsibleJson<T = unknown>(
  command: AnsibleCommand,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ json: T; stderr: string }> {
  const run = await runAnsible(command, args, options);
  if (run.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.code}: ${run.stderr || run.stdout}`);
  try {
    return { json: JSON.parse(run.stdout) as T, stderr: run.stderr };
  } catch {
    throw new Error(`${command} ${args.join(' ')} printed no JSON: ${run.stdout.slice(0, 500)}${run.stderr}`);
  }
}

/** `ansible-inventory --list`: `_meta.hostvars` and each group's `hosts`/`children`. */
export interface AnsibleInventoryList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[]; vars?: Record<string, unknown> } | AnsibleInventoryList['_meta'];
}

export function ansibleInventoryList(inventory: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return runAnsibleJson<AnsibleInventoryList>('ansible-inventory', ['-i', inventory, '--list'], options);
}

/**
 * `ansible -i INV PATTERN --list-hosts` for several patterns, one process each (Ansible takes
 * one pattern per run), `concurrency` at a time. A pattern that matches nothing gives [].
 */
export async function ansibleListHosts(
  inventory: string,
  patterns: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; extraArgs?: string[] } = {},
): Promise<Map<string, { hosts: string[]; stderr: string; code: number }>> {
  const out = new Map<string, { hosts: string[]; stderr: string; code: number }>();
  const runs = patterns.map((pattern) => async () => {
    const run = await runAnsible('ansible', ['-i', inventory, pattern, '--list-hosts', ...(options.extraArgs ?? [])], options);
    out.set(pattern, { hosts: parseListHosts(run.stdout), stderr: run.stderr, code: run.code });
  });
  await inParallel(runs, 4);
  return out;
}

/** `  hosts (2):\n    a\n    b` → ['a', 'b']; `hosts (0):` → []. */
export function parseListHosts(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^\s*hosts \(\d+\):\s*$/.test(l));
  if (start < 0) return [];
  return lines
    .slice(start + 1)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** What one ansible-playbook run tells about an inventory: see `ansibleProbe`. */
export interface AnsibleProbe {
  /** Pattern → the hosts a play with `hosts: PATTERN` runs on, in Ansible's order. */
  patterns: Record<string, string[]>;
  /** The `groups` magic variable: group → hosts, in Ansible's order. */
  groups: Record<string, string[]>;
  /** Host → variable → value as `debug: var=NAME` prints it ("VARIABLE IS NOT DEFINED!" when undefined). */
  vars: Record<string, Record<string, unknown>>;
  stderr: string;
}

/**
 * One ansible-playbook process (Ansible starts slowly) that answers for a whole case: a play
 * per pattern reports `ansible_play_hosts_all` once, and a play on `all` prints `groups` and
 * every named variable with the debug module, which runs on the controller (no host is
 * contacted; gather_facts is off); `varsFile` is loaded into that play with vars_files. A pattern Ansible refuses (a subscript out of range) fails
 * the run: probe such patterns with `ansibleListHosts`.
 */
export async function ansibleProbe(
  inventory: string,
  request: { patterns?: string[]; vars?: string[]; extraArgs?: string[]; varsFile?: string },
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<AnsibleProbe> {
  const patterns = request.patterns ?? [];
  const plays = [
    ...patterns.map((pattern) => ({
      hosts: pattern,
      gather_facts: false,
      tasks: [{ debug: { var: 'ansible_play_hosts_all' }, run_once: true }],
    })),
    {
      hosts: 'all',
      gather_facts: false,
      ...(request.varsFile ? { vars_files: [request.varsFile] } : {}),
      tasks: [{ debug: { var: 'groups' }, run_once: true }, ...(request.vars ?? []).map((name) => ({ debug: { var: name } }))],
    },
  ];
  const dir = mkdtempSync(join(ansibleEnv().HOME!, 'probe-'));
  const playbook = join(dir, 'probe.json');
  writeFileSync(playbook, JSON.stringify(plays));
  const run = await runAnsible('ansible-playbook', ['-i', inventory, playbook, ...(request.extraArgs ?? [])], {
    ...options,
    env: { ANSIBLE_LOAD_CALLBACK_PLUGINS: '1', ANSIBLE_STDOUT_CALLBACK: 'json', ...options.env },
  });
  let json: PlaybookJson;
  try {
    json = JSON.parse(run.stdout) as PlaybookJson;
  } catch {
    throw new Error(`ansible-playbook exited ${run.code} without JSON: ${run.stdout.slice(0, 2000)}${run.stderr}`);
  }
  if (run.code !== 0) throw new Error(`ansible-playbook exited ${run.code}: ${run.stderr}${run.stdout.slice(0, 2000)}`);
  const probe: AnsibleProbe = { patterns: {}, groups: {}, vars: {}, stderr: run.stderr };
  json.plays.forEach((play, i) => {
    if (i < patterns.length) {
      const result = Object.values(play.tasks[0]?.hosts ?? {})[0];
      probe.patterns[patterns[i]] = (result?.ansible_play_hosts_all as string[] | undefined) ?? [];
      return;
    }
    const [groupsTask, ...varTasks] = play.tasks;
    probe.groups = (Object.values(groupsTask?.hosts ?? {})[0]?.groups as Record<string, string[]> | undefined) ?? {};
    varTasks.forEach((task, j) => {
      const name = request.vars![j];
      for (const [host, result] of Object.entries(task.hosts)) (probe.vars[host] ??= {})[name] = result[name];
    });
  });
  return probe;
}

interface PlaybookJson {
  plays: Array<{ tasks: Array<{ hosts: Record<string, Record<string, unknown>> }> }>;
}

/** Runs the thunks, at most `limit` at once (Ansible takes ~1 s to start; the machine is shared). */
export async function inParallel(thunks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < thunks.length) await thunks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, thunks.length) }, worker));
}
