/**
 * k3s_cni_backup: before anything touches K3s's CNI bin dir, record what K3s put there
 * (link targets; for regular files a copy with sha256 and mode; the multicall binary's and
 * the Flannel conflist's sha256). The first backup, `pristine/`, is written once and never
 * replaced. Later runs write a new `latest/` only when the node differs from the newest
 * record, so a second install changes nothing. Each backup is built in a temp directory
 * and renamed into place: a reader sees a whole backup or none.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { sh } from '../../src/connection/quote.ts';
import { absoluteDirArg, type ArgsOf, type ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply, resultError } from '../lib/apply.ts';
import { atomically, replaceByLinks, type AtomicSteps } from '../lib/atomic.ts';
import {
  LATEST,
  PRISTINE,
  RECORD_FILE,
  filesToCopy,
  multicallOverwrittenSince,
  recordFromFacts,
  renderRecord,
  sameState,
  type BackupRecord,
} from './backup-record.ts';
import { historyName, mostRecent, readStoredBackups } from './backup-store.ts';
import { k3sStateSchema, readCurrentFacts, type WithK3sFacts } from './current.ts';
import { siblingTempPath } from '../lib/temp-path.ts';
import { DEFAULT_BACKUP_DIR } from '../lib/defaults.ts';

const schema = k3sStateSchema({
  backup_dir: absoluteDirArg(DEFAULT_BACKUP_DIR, 'Absolute directory on the host that holds `pristine/`, `latest` and `history/`.'),
}) satisfies ArgsSchema;

export type K3sCniBackupArgs = WithK3sFacts<ArgsOf<typeof schema>>;

export const k3sCniBackup: TaskModule<K3sCniBackupArgs> = {
  name: 'k3s_cni_backup',
  description:
    "Backs up K3s's CNI entries (`cni` and the seven plugin names in the bin dir) under `backup_dir`: `record.json` holds time, K3s version, data dir, layout, bin dir, the multicall binary's target and sha256, the sha256 of 10-flannel.conflist and each entry (`symlink` with `target`, or `file` with `sha256` and `mode`); a regular file is also copied to `files/<name>` and its copy checked against the sha256. The first backup goes to `pristine/` and is never overwritten; a later run writes a new `latest/` (a link into `history/`) only when the node differs from the newest record, else changes nothing. Refuses, writing nothing, when K3s's multicall binary has another sha256 than a stored record of the same path says (K3s never changes the bytes under one bundle path, so something wrote through a plugin link; recording it would make it the known-good binary). Warns when host-local is already a regular file at the first backup. Registers `pristine` and `latest` (directories) and `record`.",
  schema,
  examples: [
    `- name: Back up K3s's CNI entries
  k3s_cni_backup:
    facts: "{{ k3s }}"
    backup_dir: /var/lib/provision/backups`,
  ],
  async run(args, ctx) {
    const backupDir = args.backup_dir ?? DEFAULT_BACKUP_DIR;
    const current = await readCurrentFacts(ctx, args);
    if ('problem' in current) return failed(`cannot back up: ${current.problem}`);
    const stored = await readStoredBackups(ctx, backupDir);
    if (stored.problems.length > 0) {
      return failed(`refusing to write backups next to unusable ones: ${stored.problems.join('; ')}`);
    }
    const pristineDir = posix.join(backupDir, PRISTINE);
    const record = recordFromFacts(current.facts, new Date());
    const previous = mostRecent(stored);
    const data = { pristine: stored.pristine ? pristineDir : null, latest: stored.latestDir ?? null, record };
    // Recording an overwritten multicall binary would make it the known-good one for verify.
    const original = multicallOverwrittenSince([stored.pristine, stored.latest], record.multicall);
    if (original) {
      return failed(
        `refusing to back up: K3s's multicall binary ${record.multicall.target} changed since the backup of ${original.time} (sha256 ${record.multicall.sha256}, was ${original.multicall.sha256}): something wrote through a plugin link onto it; reinstall this K3s version to restore it`,
        data,
      );
    }
    if (previous && sameState(previous, record)) {
      return ok(`backup up to date (${stored.latest ? stored.latestDir : pristineDir})`, { ...data, record: previous });
    }

    const first = !stored.pristine;
    if (first && record.entries['host-local']?.kind === 'file') {
      ctx.warn(
        `host-local in ${record.bin_dir} is already a regular file at the first backup (an earlier manual install?): its copy is kept in ${pristineDir}/files/host-local, but it is not K3s's`,
      );
    }
    let copies: Array<{ name: string; sha256: string }>;
    try {
      copies = filesToCopy(record);
    } catch (err) {
      return failed(`cannot back up: ${(err as Error).message}`);
    }
    const finalDir = first ? pristineDir : posix.join(backupDir, historyName(new Date(record.time), randomBytes(3).toString('hex')));
    const diff = { before: previous ? renderRecord(previous) : '', after: renderRecord(record) };
    const what = first ? `pristine backup ${pristineDir}` : `backup ${finalDir} (latest)`;
    return checkOrApply(ctx, {
      action: `write ${what}`,
      done: `wrote ${what}`,
      diff,
      data: { ...data, ...(first ? { pristine: pristineDir } : { latest: finalDir }) },
      failureData: data,
      // The backup is the install's first change: when it cannot be written (a full or
      // read-only backup file system), the node is as it was, and the message says so.
      explain: (r) => `${resultError(r)}; nothing on the node was changed (its temp files are removed)`,
      commands: writeCommands(backupDir, finalDir, first, record, copies),
      stdin: renderRecord(record),
    });
  },
};

function writeCommands(
  backupDir: string,
  finalDir: string,
  first: boolean,
  record: BackupRecord,
  copies: Array<{ name: string; sha256: string }>,
): string[] {
  // The temp dir sits next to the final one: same file system, so the last mv is a rename.
  const tmp = siblingTempPath(finalDir, 'backup');
  const commands = [
    sh`mkdir -p -- ${posix.dirname(finalDir)}`,
    // Copies of K3s's binaries and its layout: for root's eyes only.
    sh`mkdir -m 0700 -- ${tmp}`,
  ];
  if (copies.length > 0) commands.push(sh`mkdir -- ${posix.join(tmp, 'files')}`);
  for (const { name, sha256 } of copies) {
    const src = posix.join(record.bin_dir, name);
    const copy = posix.join(tmp, 'files', name);
    const changedMsg = `${src} changed while it was backed up (expected sha256 ${sha256})`;
    commands.push(
      sh`cp -p -- ${src} ${copy}`,
      sh`[ "$(sha256sum < ${copy} | cut -d ' ' -f 1)" = ${sha256} ] || { echo ${changedMsg} >&2; exit 1; }`,
    );
  }
  commands.push(sh`cat > ${posix.join(tmp, RECORD_FILE)}`);
  if (first) {
    // Never replace a pristine backup, even one that appeared since it was read.
    const exists = `${finalDir} appeared meanwhile; the pristine backup is never replaced`;
    commands.push(sh`if [ -e ${finalDir} ] || [ -L ${finalDir} ]; then echo ${exists} >&2; exit 1; fi`);
  }
  commands.push(sh`mv -T -- ${tmp} ${finalDir}`);
  const backup: AtomicSteps = { temps: [tmp], commands };
  if (first) return atomically(backup);
  const latest = { path: posix.join(backupDir, LATEST), target: posix.relative(backupDir, finalDir) };
  return atomically(backup, replaceByLinks([latest]));
}
