/**
 * install_record: what was installed on this host, kept in `<state_dir>/state.json` next to
 * the backups, so rollback and drift know which files are Multus's and where K3s's
 * originals are. Written by temp file + rename; rewritten only when something other than
 * the time differs, so a second install leaves it alone.
 */
import { posix } from 'node:path';
import { sh } from '../../src/connection/quote.ts';
import { absoluteDirArg, type ArgsOf, type ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { k3sMultusPaths } from '../k3s/layout.ts';
import { thickInstallerBinaries } from './release.ts';
import { MULTUS_DEFAULTS, deployedMultusImage, thickTag } from './manifest-vars.ts';
import { checkOrApply } from '../lib/apply.ts';
import { atomically, replaceByFile } from '../lib/atomic.ts';
import { PRISTINE } from '../k3s/backup-record.ts';
import { DEFAULT_BACKUP_DIR, DEFAULT_EXTRA_CNI_PLUGINS, DEFAULT_STATE_DIR } from '../lib/defaults.ts';
import { readStoredBackups } from '../k3s/backup-store.ts';
import { factsProblem, type K3sFacts } from '../k3s/facts.ts';
import type { WithK3sFacts } from '../k3s/current.ts';
import { provisionVersion } from './provision-version.ts';
import { readFileFact } from '../lib/read-file.ts';

/** Readers of state.json (rollback, drift) find the default location beside its writer. */
export { DEFAULT_STATE_DIR };
export const STATE_FILE = 'state.json';

export interface InstallState {
  installed_at: string;
  multus_version: string;
  image: string;
  extra_cni_plugins: string[];
  k3s_version: string;
  data_dir: string;
  layout: string;
  bin_dir: string;
  files_added: string[];
  backup: { dir: string; pristine: string | null; latest: string | null };
  provision_version: string;
}

/** Equal apart from installed_at (pure). */
export function sameInstall(a: InstallState, b: Partial<InstallState>): boolean {
  const strip = (s: Partial<InstallState>): string => JSON.stringify({ ...s, installed_at: undefined });
  return strip(a) === strip(normalize(b));
}

/** Key order as written, so a stored state compares equal to a freshly built one. */
function normalize(s: Partial<InstallState>): Partial<InstallState> {
  const keys: Array<keyof InstallState> = [
    'installed_at', 'multus_version', 'image', 'extra_cni_plugins', 'k3s_version', 'data_dir',
    'layout', 'bin_dir', 'files_added', 'backup', 'provision_version',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in s) out[k] = k === 'backup' && s.backup ? { dir: s.backup.dir, pristine: s.backup.pristine, latest: s.backup.latest } : s[k];
  return out as Partial<InstallState>;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['facts'],
  properties: {
    state_dir: absoluteDirArg(DEFAULT_STATE_DIR, 'Absolute directory on the host for state.json (next to backups/).'),
    multus_version: {
      type: 'string',
      minLength: 1,
      default: MULTUS_DEFAULTS.multus_version,
      description: 'The Multus release installed (image tag).',
    },
    multus_image: {
      type: 'string',
      minLength: 1,
      default: MULTUS_DEFAULTS.multus_image,
      description: 'The Multus image repository, without tag; `image` in state.json is the reference the manifest deploys (tag, and digest when known).',
    },
    extra_cni_plugins: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: DEFAULT_EXTRA_CNI_PLUGINS,
      description: 'Reference plugins installed next to Multus.',
    },
    facts: { type: 'object', description: 'The facts k3s_facts set for this host: `"{{ k3s }}"`.' },
    backup_dir: absoluteDirArg(DEFAULT_BACKUP_DIR, "Where k3s_cni_backup keeps K3s's originals."),
    files_added: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description:
        'Paths the install added on the host. Default: multus-shim, passthru and each extra plugin in the bin dir, 00-multus.conf, /run/multus and /var/lib/cni/multus.',
    },
  },
} as const satisfies ArgsSchema;

export type InstallRecordArgs = WithK3sFacts<ArgsOf<typeof schema>>;

export const installRecord: TaskModule<InstallRecordArgs> = {
  name: 'install_record',
  description:
    'Records what was installed on the host in `<state_dir>/state.json`: `installed_at`, `multus_version`, `image`, `extra_cni_plugins`, `k3s_version`, `data_dir`, `layout`, `bin_dir`, `files_added`, `backup` (`dir`, and the `pristine` and `latest` backup directories found there) and `provision_version`. The file is written by temp file + rename, and only when something other than `installed_at` differs. Registers `state_file` and `state`.',
  schema,
  examples: [
    `- name: Record the install
  install_record:
    facts: "{{ k3s }}"
    multus_version: "{{ multus_version }}"
    extra_cni_plugins: "{{ extra_cni_plugins }}"`,
    `- name: Record the install, listing the files
  install_record:
    facts: "{{ k3s }}"
    files_added:
      - "{{ k3s.cni_bin_dir }}/multus-shim"
      - "{{ k3s.cni_bin_dir }}/passthru"
      - "{{ k3s.cni_conf_dir }}/00-multus.conf"
      - /run/multus
      - /var/lib/cni/multus`,
  ],
  async run(args, ctx) {
    const bad = factsProblem(args.facts);
    if (bad) return failed(bad);
    const stateDir = args.state_dir ?? DEFAULT_STATE_DIR;
    const backupDir = args.backup_dir ?? DEFAULT_BACKUP_DIR;
    const file = posix.join(stateDir, STATE_FILE);
    const stored = await readStoredBackups(ctx, backupDir);
    // The same tag the manifest deploys: a bare release (v4.3.0) means its -thick image.
    const version = thickTag(args.multus_version ?? MULTUS_DEFAULTS.multus_version);
    // `image` is the reference the DaemonSet runs, digest included where one is known
    // (the manifest's and the one drift compares the DaemonSets with).
    const image = deployedMultusImage(args.multus_image ?? MULTUS_DEFAULTS.multus_image, args.multus_version ?? MULTUS_DEFAULTS.multus_version);
    const state: InstallState = {
      installed_at: new Date().toISOString(),
      multus_version: version,
      image,
      extra_cni_plugins: args.extra_cni_plugins ?? [...DEFAULT_EXTRA_CNI_PLUGINS],
      k3s_version: args.facts.version,
      data_dir: args.facts.data_dir,
      layout: args.facts.layout,
      bin_dir: args.facts.cni_bin_dir,
      files_added: args.files_added ?? defaultFilesAdded(args.facts, args.extra_cni_plugins ?? [...DEFAULT_EXTRA_CNI_PLUGINS], args.multus_version),
      backup: { dir: backupDir, pristine: stored.pristine ? posix.join(backupDir, PRISTINE) : null, latest: stored.latestDir ?? null },
      provision_version: provisionVersion(),
    };

    const existing = await ctx.fact(readFileFact(file, 1024 * 1024));
    let before = '';
    if (existing.kind === 'content') {
      before = existing.content.toString('utf8');
      const previous = parseState(before);
      // A rolled-back node is installed anew: its record must say so.
      if (previous && !('rolled_back_at' in previous) && sameInstall(state, previous)) {
        return ok(`${file} is up to date`, { state_file: file, state: previous });
      }
    } else if (existing.kind !== 'missing') {
      return failed(`${file} exists but is ${existing.kind === 'not-a-file' ? 'not a regular file' : 'too large'}; refusing to replace it`);
    }
    const text = `${JSON.stringify(state, null, 2)}\n`;
    return checkOrApply(ctx, {
      action: `write ${file}`,
      done: `wrote ${file}`,
      diff: { before, after: text },
      data: { state_file: file, state },
      commands: stateFileCommands(stateDir, file),
      stdin: text,
    });
  },
};

/** state.json (0644) replaced by temp file + rename with the script's stdin; its dir made first. */
export function stateFileCommands(stateDir: string, file: string): string[] {
  return [sh`mkdir -p -- ${stateDir}`, ...atomically(replaceByFile(file, { purpose: 'state', prepare: (tmp) => [sh`chmod 0644 -- ${tmp}`] }))];
}

/** What a Multus thick install leaves on a node (docs/k3s-multus.md §10). */
export function defaultFilesAdded(facts: K3sFacts, extraPlugins: string[], multusVersion?: string): string[] {
  const paths = k3sMultusPaths(facts.data_dir, facts.layout);
  return [
    ...[...thickInstallerBinaries(multusVersion), ...extraPlugins].map((name) => posix.join(facts.cni_bin_dir, name)),
    paths.multusConf,
    paths.socketDir,
    paths.cacheDir,
  ];
}

export function parseState(text: string): Partial<InstallState> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Partial<InstallState>) : undefined;
  } catch {
    return undefined;
  }
}
