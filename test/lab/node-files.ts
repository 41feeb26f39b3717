/**
 * A node's files on the host, under `<lab dir>/nodes/<name>/`:
 *   var/lib/rancher, var/lib/cni, etc/rancher, usr/local/bin, run, root, home, tmp
 *       bind-mounted at the same paths inside the node (see NODE_MOUNTS);
 *   .overlay/etc, .overlay/var-lib
 *       upper layers over the host's /etc and /var/lib, so the node has its own users,
 *       sudoers, hostname and sshd config, and mount points the host does not have,
 *       while the host's /etc and /var/lib stay untouched;
 *   init.sh, node.log
 *       the node's init script and the output of it and its sshd.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HIDDEN_HOST_PATHS, NODE_MOUNTS } from './names.ts';
import { generateKey } from './keys.ts';

export interface NodeAccount {
  name: string;
  uid: number;
  /** crypt(3) hash; undefined gives `*` (no password login, account not locked). */
  passwordHash?: string;
  /** Sudo without a password; otherwise sudo asks for it every time. */
  nopasswd: boolean;
  authorizedKey: string;
}

export interface NodeFilesSpec {
  root: string;
  name: string;
  address: string;
  /** Every node of the lab, for /etc/hosts. */
  peers: { name: string; address: string }[];
  rootAuthorizedKey: string;
  accounts: NodeAccount[];
}

export const HOST_KEY_TYPES = ['ed25519', 'ecdsa'] as const;

export const overlayDir = (root: string, which: 'etc' | 'var-lib'): string => join(root, '.overlay', which);
export const etcUpper = (root: string): string => join(overlayDir(root, 'etc'), 'upper');
export const hostKeyPubFiles = (root: string): string[] =>
  HOST_KEY_TYPES.map((t) => join(etcUpper(root), 'ssh', `ssh_host_${t}_key.pub`));
export const initScriptFile = (root: string): string => join(root, 'init.sh');
export const nodeLogFile = (root: string): string => join(root, 'node.log');

/** Uids (equal to their private group's gid) that the host's passwd and group do not use. */
export function freeIds(count: number): number[] {
  const used = new Set<number>();
  for (const file of ['/etc/passwd', '/etc/group']) {
    for (const line of readFileSync(file, 'utf8').split('\n')) used.add(Number(line.split(':')[2]));
  }
  const ids: number[] = [];
  for (let id = 1500; ids.length < count; id++) if (!used.has(id)) ids.push(id);
  return ids;
}

export async function writeNodeFiles(spec: NodeFilesSpec): Promise<void> {
  const { root } = spec;
  for (const m of NODE_MOUNTS) mkdirSync(join(root, m), { recursive: true, mode: 0o755 });
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  // sshd refuses to start without its privilege separation directory.
  mkdirSync(join(root, 'run', 'sshd'), { mode: 0o755 });
  for (const which of ['etc', 'var-lib'] as const) {
    mkdirSync(join(overlayDir(root, which), 'upper'), { recursive: true });
    mkdirSync(join(overlayDir(root, which), 'work'), { recursive: true });
  }
  // Mount points the host lacks are made in the upper layers, never on the host.
  mkdirSync(join(overlayDir(root, 'var-lib'), 'upper', 'rancher'));
  mkdirSync(join(overlayDir(root, 'var-lib'), 'upper', 'cni'));
  mkdirSync(join(etcUpper(root), 'rancher'));
  // A whiteout (a 0/0 character device in the upper layer) hides the host's entry: inside
  // the node the path does not exist until the node makes it (overlayfs(5), "whiteouts").
  const uppers = { '/etc/': etcUpper(root), '/var/lib/': join(overlayDir(root, 'var-lib'), 'upper') };
  for (const path of HIDDEN_HOST_PATHS) {
    const [under, upper] = Object.entries(uppers).find(([dir]) => path.startsWith(dir)) ?? [];
    if (under === undefined || upper === undefined) throw new Error(`${path} is on neither overlay`);
    execFileSync('mknod', [join(upper, path.slice(under.length)), 'c', '0', '0']);
  }

  writeAuthorizedKeys(join(root, 'root'), spec.rootAuthorizedKey, 0);
  for (const a of spec.accounts) {
    mkdirSync(join(root, 'home', a.name), { mode: 0o750 });
    chownSync(join(root, 'home', a.name), a.uid, a.uid);
    writeAuthorizedKeys(join(root, 'home', a.name), a.authorizedKey, a.uid);
  }
  writeEtc(spec);
  await Promise.all(
    HOST_KEY_TYPES.map((t) => generateKey(join(etcUpper(root), 'ssh', `ssh_host_${t}_key`), t, `root@${spec.name}`)),
  );
}

function writeAuthorizedKeys(home: string, key: string, uid: number): void {
  const dir = join(home, '.ssh');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'authorized_keys'), `${key}\n`, { mode: 0o600 });
  chownSync(dir, uid, uid);
  chownSync(join(dir, 'authorized_keys'), uid, uid);
}

function writeEtc(spec: NodeFilesSpec): void {
  const etc = etcUpper(spec.root);
  const days = Math.floor(Date.now() / 86_400_000);
  appendCopy('passwd', etc, spec.accounts.map((a) => `${a.name}:x:${a.uid}:${a.uid}:Lab user:/home/${a.name}:/bin/bash`));
  appendCopy('shadow', etc, spec.accounts.map((a) => `${a.name}:${a.passwordHash ?? '*'}:${days}:0:99999:7:::`));
  appendCopy('group', etc, spec.accounts.map((a) => `${a.name}:x:${a.uid}:`));
  appendCopy('gshadow', etc, spec.accounts.map((a) => `${a.name}:!::`));

  mkdirSync(join(etc, 'sudoers.d'), { recursive: true });
  const sudoers = spec.accounts.flatMap((a) =>
    a.nopasswd
      ? [`${a.name} ALL=(ALL:ALL) NOPASSWD: ALL`]
      : // No timestamp: every sudo asks again, as the product's become must expect.
        [`Defaults:${a.name} timestamp_timeout=0`, `${a.name} ALL=(ALL:ALL) ALL`],
  );
  writeFileSync(join(etc, 'sudoers.d', 'provision-lab'), `${sudoers.join('\n')}\n`, { mode: 0o440 });

  writeFileSync(join(etc, 'hostname'), `${spec.name}\n`);
  const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const p of spec.peers) hosts.push(`${p.address}\t${p.name}`);
  writeFileSync(join(etc, 'hosts'), `${hosts.join('\n')}\n`);

  mkdirSync(join(etc, 'ssh'), { recursive: true });
  writeFileSync(join(etc, 'ssh', 'sshd_config'), sshdConfig(spec.address));
}

/** A copy of a host /etc file with lines added, keeping the original's owner and mode. */
function appendCopy(name: string, etcDir: string, lines: string[]): void {
  const src = join('/etc', name);
  const dest = join(etcDir, name);
  copyFileSync(src, dest);
  const st = statSync(src);
  chownSync(dest, st.uid, st.gid);
  chmodSync(dest, st.mode & 0o7777);
  const text = readFileSync(dest, 'utf8');
  writeFileSync(dest, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${lines.join('\n')}\n`);
}

function sshdConfig(address: string): string {
  return [
    '# sshd of a provision lab node (the host keys and this file exist only inside the node)',
    `ListenAddress ${address}:22`,
    ...HOST_KEY_TYPES.map((t) => `HostKey /etc/ssh/ssh_host_${t}_key`),
    'PidFile /run/sshd.pid',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    // Tests open many connections and channels at once (forks, parallel files).
    'MaxStartups 200',
    'MaxSessions 100',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}
