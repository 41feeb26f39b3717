/**
 * OpenSSH known_hosts: enough of sshd(8)'s "SSH_KNOWN_HOSTS FILE FORMAT" to verify a host
 * key the way `ssh` does — plain and comma-listed names, `[host]:port` for ports other
 * than 22, wildcard and negated patterns, hashed names (`|1|salt|hmac`), `@revoked`
 * (never accepted) and `@cert-authority` (host certificates are not verified: a host vouched
 * for only by a CA line is refused with a message saying so).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown' | 'revoked' | 'cert-authority';

export interface HostKeyCheck {
  status: HostKeyStatus;
  /** Fingerprints of the keys on file for this host (any type), when there are some. */
  known?: string[];
}

export interface KnownHostLine {
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma list of patterns, or one hashed entry. */
  hosts: string;
  keyType: string;
  key: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error('host key blob too short');
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) throw new Error('host key blob has no valid key type');
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** The name ssh records for a host: bare for port 22, `[host]:port` otherwise; lower case as ssh. */
export function hostEntryName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Parse known_hosts text; lines that are comments, blank or malformed are skipped as ssh does. */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostLine['marker'];
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@revoked') marker = 'revoked';
      else if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: ssh ignores the line
      fields.shift();
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) return;
    out.push({ ...(marker ? { marker } : {}), hosts, keyType, key, line: i + 1 });
  });
  return out;
}

/** Does the host field of a line name this host (as `hostEntryName` spells it)? */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (!globMatches(body.toLowerCase(), name)) continue;
    if (negated) return false; // a negated match wins over any positive one
    matched = true;
  }
  return matched;
}

function hashedMatches(entry: string, name: string): boolean {
  const parts = entry.split('|'); // ['', '1', salt, hmac]
  if (parts.length !== 4) return false;
  const salt = Buffer.from(parts[2], 'base64');
  const expected = Buffer.from(parts[3], 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && expected.equals(actual);
}

function globMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/**
 * Check an offered host key against parsed lines. A key listed `@revoked` is refused
 * whatever else the file says. Keys on file for the host but none of the offered type count
 * as a mismatch (stricter than ssh, which would ask): a server that suddenly stops offering
 * the key type we know is exactly what a key check is there to catch.
 */
export function checkHostKeyLines(
  lines: KnownHostLine[],
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): HostKeyCheck {
  const name = hostEntryName(host, port);
  const forHost = lines.filter((l) => l.marker !== 'cert-authority' && hostFieldMatches(l.hosts, name));
  const revoked = forHost.some((l) => l.marker === 'revoked' && l.key.equals(keyBlob));
  const plain = forHost.filter((l) => l.marker === undefined);
  const known = [...new Set(plain.map((l) => fingerprint(l.key)))];
  const knownPart = known.length > 0 ? { known } : {};
  if (revoked) return { status: 'revoked', ...knownPart };
  if (plain.some((l) => l.keyType === keyType && l.key.equals(keyBlob))) return { status: 'match', ...knownPart };
  if (plain.length > 0) return { status: 'mismatch', ...knownPart };
  // A CA line for this host and no plain key: refused clearly, not treated as unknown (which
  // accept-new would pin, bypassing the CA the operator meant to rely on).
  const byCa = lines.some((l) => l.marker === 'cert-authority' && hostFieldMatches(l.hosts, name));
  return byCa ? { status: 'cert-authority' } : { status: 'unknown' };
}

/** Check an offered host key against a known_hosts file; a missing file knows no host. */
export function checkHostKey(file: string, host: string, port: number, keyType: string, keyBlob: Buffer): HostKeyCheck {
  return checkHostKeyLines(readLines(file), host, port, keyType, keyBlob);
}

/** Key types on file for a host, so the handshake can ask the server for one we can verify. */
export function knownKeyTypes(file: string, host: string, port: number): string[] {
  const name = hostEntryName(host, port);
  const types = readLines(file)
    .filter((l) => l.marker === undefined && hostFieldMatches(l.hosts, name))
    .map((l) => l.keyType);
  return [...new Set(types)];
}

/**
 * Append a `host keytype base64` line, creating the file (0600) and directory (0700). A file
 * whose entries are hashed (HashKnownHosts) gets a hashed entry too, so adding a host does
 * not reveal it, nor the others by contrast.
 */
export function addHostKey(file: string, host: string, port: number, keyType: string, keyBlob: Buffer): void {
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const isNew = !existsSync(file);
  const current = isNew ? '' : readFileSync(file, 'utf8');
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  // One write with O_APPEND, so hosts handshaking in parallel never interleave lines.
  const hashed = parseKnownHosts(current).some((l) => l.hosts.startsWith('|1|'));
  const name = hashed ? hashHostName(hostEntryName(host, port)) : hostEntryName(host, port);
  appendFileSync(file, `${separator}${name} ${keyType} ${keyBlob.toString('base64')}\n`, {
    mode: 0o600,
  });
  if (isNew) chmodSync(file, 0o600);
}

function readLines(file: string): KnownHostLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseKnownHosts(text);
}

/** OpenSSH's hashed host name: `|1|` base64(salt) `|` base64(HMAC-SHA1(salt, name)). */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}
