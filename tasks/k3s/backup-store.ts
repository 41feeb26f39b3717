/**
 * Reading the backups on the host: `pristine/record.json` (the first backup) and
 * `latest/record.json` (latest is a symlink to the newest directory under history/).
 */
import { posix } from 'node:path';
import type { HostContext } from '../../src/module/task.ts';
import { HISTORY, LATEST, PRISTINE, RECORD_FILE, parseRecord, type BackupRecord } from './backup-record.ts';
import { statFact } from '../lib/path-stat.ts';
import { readFileFact } from '../lib/read-file.ts';

const RECORD_LIMIT = 1024 * 1024;

export interface StoredBackups {
  pristine?: BackupRecord;
  latest?: BackupRecord;
  /** Directory of the newest later backup (latest's target, absolute), when there is one. */
  latestDir?: string;
  /** Backups that exist but cannot be used: never overwritten, reported instead. */
  problems: string[];
}

export async function readStoredBackups(ctx: HostContext, backupDir: string): Promise<StoredBackups> {
  const out: StoredBackups = { problems: [] };
  const pristine = await readRecord(ctx, posix.join(backupDir, PRISTINE));
  if (typeof pristine === 'string') out.problems.push(pristine);
  else if (pristine) out.pristine = pristine;

  const latestPath = posix.join(backupDir, LATEST);
  const link = await ctx.fact(statFact(latestPath));
  if (link.exists) {
    const latest = await readRecord(ctx, latestPath);
    if (typeof latest === 'string') out.problems.push(latest);
    else if (latest) out.latest = latest;
    if (link.islnk && link.lnk_target !== undefined) {
      out.latestDir = posix.normalize(posix.isAbsolute(link.lnk_target) ? link.lnk_target : posix.join(backupDir, link.lnk_target));
    }
  }
  return out;
}

/** The newest record (latest, else pristine). */
export function mostRecent(stored: StoredBackups): BackupRecord | undefined {
  return stored.latest ?? stored.pristine;
}

/** A unique name for a later backup under history/: its time, sortable. */
export function historyName(time: Date, suffix: string): string {
  return `${HISTORY}/${time.toISOString().replace(/[:.]/g, '-')}-${suffix}`;
}

async function readRecord(ctx: HostContext, dir: string): Promise<BackupRecord | string | undefined> {
  const file = posix.join(dir, RECORD_FILE);
  const read = await ctx.fact(readFileFact(file, RECORD_LIMIT));
  if (read.kind === 'content') {
    const parsed = parseRecord(read.content.toString('utf8'));
    return typeof parsed === 'string' ? `${file}: ${parsed}` : parsed;
  }
  if (read.kind === 'too-large') return `${file}: too large for a backup record (${read.size} bytes)`;
  if (read.kind === 'not-a-file') return `${file}: not a regular file`;
  const st = await ctx.fact(statFact(dir));
  return st.exists ? `${dir} exists but holds no ${RECORD_FILE}` : undefined;
}
