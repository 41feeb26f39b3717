/**
 * The backup record of K3s's CNI entries (record.json under `pristine/` and `latest/`):
 * what it holds, how it is built from facts, how two are compared, and how a stored one is
 * read back. Pure.
 */
import type { CniLayout } from './layout.ts';
import type { K3sFacts } from './facts.ts';
import type { K3sEntry } from './probe.ts';

export const DEFAULT_BACKUP_DIR = '/var/lib/provision/backups';
export const RECORD_FILE = 'record.json';
/** Directory of the first backup; written once, never replaced. */
export const PRISTINE = 'pristine';
/** Symlink to the most recent later backup under history/ (replaced by rename). */
export const LATEST = 'latest';
export const HISTORY = 'history';

export interface BackupRecord {
  time: string;
  k3s_version: string;
  data_dir: string;
  layout: CniLayout;
  bin_dir: string;
  multicall: { target: string; sha256: string | null };
  flannel_conflist_sha256: string;
  entries: Record<string, K3sEntry>;
  /**
   * What else was in the bin dir and the conf dir when the record was made: rollback never
   * removes a name the pristine record lists. Absent in records written before they were
   * kept; not part of the state compared between backups (Multus's own files come and go).
   */
  bin_dir_others?: string[];
  conf_dir_files?: string[];
}

export function recordFromFacts(facts: K3sFacts, time: Date): BackupRecord {
  return {
    time: time.toISOString(),
    k3s_version: facts.version,
    data_dir: facts.data_dir,
    layout: facts.layout,
    bin_dir: facts.cni_bin_dir,
    multicall: { target: facts.multicall.target, sha256: facts.multicall.sha256 },
    flannel_conflist_sha256: facts.flannel_conflist_sha256,
    entries: facts.entries,
    bin_dir_others: facts.bin_dir_others,
    conf_dir_files: facts.conf_dir_files,
  };
}

/** The record without its time, with keys in a fixed order: equal text means equal state. */
function stateKey(r: BackupRecord): string {
  const entries = Object.keys(r.entries)
    .sort()
    .map((name) => [name, canonicalEntry(r.entries[name])]);
  return JSON.stringify([
    r.k3s_version,
    r.data_dir,
    r.layout,
    r.bin_dir,
    r.multicall.target,
    r.multicall.sha256,
    r.flannel_conflist_sha256,
    entries,
  ]);
}

function canonicalEntry(e: K3sEntry): unknown[] {
  if (e.kind === 'symlink') return [e.kind, e.target];
  if (e.kind === 'file') return [e.kind, e.sha256, e.mode];
  return [e.kind];
}

export function sameState(a: BackupRecord, b: BackupRecord): boolean {
  return stateKey(a) === stateKey(b);
}

/**
 * Regular-file entries whose content is kept under files/<name>. In the older layout `cni`
 * is K3s's multicall binary itself, inside K3s's immutable bundle: its sha256 is recorded,
 * a copy would only duplicate the bundle.
 */
export function filesToCopy(record: BackupRecord): Array<{ name: string; sha256: string }> {
  const out: Array<{ name: string; sha256: string }> = [];
  for (const [name, entry] of Object.entries(record.entries)) {
    if (entry.kind !== 'file') continue;
    if (record.layout === 'current' && name === 'cni') continue;
    if (entry.sha256 === null) throw new Error(`${record.bin_dir}/${name} is a regular file that cannot be read`);
    out.push({ name, sha256: entry.sha256 });
  }
  return out;
}

/**
 * K3s unpacks each release into `data/<sha256>/`, so the bytes at one multicall path never
 * change legitimately: a record of the same path with another sha256 means something wrote
 * THROUGH a plugin link onto K3s's binary. Returns the record that knew the original, or
 * undefined. `records` may hold undefined entries (no latest, no pristine).
 */
export function multicallOverwrittenSince(
  records: ReadonlyArray<BackupRecord | undefined>,
  multicall: { target: string; sha256: string | null },
): BackupRecord | undefined {
  if (multicall.sha256 === null) return undefined;
  return records.find(
    (r): r is BackupRecord =>
      r !== undefined && r.multicall.target === multicall.target && r.multicall.sha256 !== null && r.multicall.sha256 !== multicall.sha256,
  );
}

export function renderRecord(record: BackupRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** A stored record, or why it is not one. */
export function parseRecord(text: string): BackupRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const r = value as Partial<BackupRecord>;
  if (
    !r ||
    typeof r !== 'object' ||
    typeof r.time !== 'string' ||
    typeof r.data_dir !== 'string' ||
    typeof r.bin_dir !== 'string' ||
    (r.layout !== 'cni' && r.layout !== 'current') ||
    !r.multicall ||
    typeof r.multicall.target !== 'string' ||
    !r.entries ||
    typeof r.entries !== 'object'
  ) {
    return 'not a backup record (time, data_dir, layout, bin_dir, multicall.target and entries are required)';
  }
  return r as BackupRecord;
}
