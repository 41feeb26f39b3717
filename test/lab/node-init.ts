/**
 * A node's init: a shell script started in the node's network namespace and in new mount
 * and UTS namespaces. It configures the node's network, mounts the per-node directories
 * and starts the node's real sshd, whose parent it stays. Mount propagation is private, so
 * nothing it mounts is seen by the host.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { sh } from '../../src/connection/quote.ts';
import { NODE_MOUNTS } from './names.ts';
import { LAB_ENV } from './host-commands.ts';
import { initScriptFile, nodeLogFile, overlayDir } from './node-files.ts';

/** In-node path whose existence keeps a node up after its sshd exits (node-init's last line). */
export const KEEP_NODE_FILE = '/run/provision-lab-keep-node';

export interface NodeInitSpec {
  name: string;
  root: string;
  address: string;
  netns: string;
  /** The gateway of the private network: its address there, on eth1. */
  privateAddress?: string;
  /** Where the default route points; default .1 of the node's /24 (the host end of the lab bridge). */
  defaultVia?: string;
}

export function initScript(spec: NodeInitSpec): string {
  const overlay = (dir: string, which: 'etc' | 'var-lib'): string => {
    const o = overlayDir(spec.root, which);
    return sh`mount -t overlay overlay -o ${`lowerdir=${dir},upperdir=${join(o, 'upper')},workdir=${join(o, 'work')}`} ${dir}`;
  };
  // /tmp last: the sources of the other mounts live under the host's /tmp.
  const mounts = [...NODE_MOUNTS].sort((a, b) => Number(a === '/tmp') - Number(b === '/tmp'));
  return [
    '#!/bin/sh',
    'set -eu',
    sh`hostname ${spec.name}`,
    'ip link set lo up',
    sh`ip addr add ${`${spec.address}/24`} dev eth0`,
    'ip link set eth0 up',
    // Like a real node, a default route (to the host end of the lab bridge): the product
    // finds a node's main NIC through it (ipvlan_master). Nothing in the lab sends past it.
    // A member of the private network points it at the gateway, which forwards nothing.
    sh`ip route add default via ${spec.defaultVia ?? spec.address.replace(/\.\d+$/, '.1')} dev eth0`,
    ...(spec.privateAddress ? [sh`ip addr add ${`${spec.privateAddress}/24`} dev eth1`, 'ip link set eth1 up'] : []),
    // A sysfs of the node's own network namespace, as `ip netns exec` gives.
    'umount -l /sys',
    'mount -t sysfs sysfs /sys',
    overlay('/etc', 'etc'),
    overlay('/var/lib', 'var-lib'),
    // The host's RSA host key shows through the /etc overlay; the node has its own keys only.
    'rm -f /etc/ssh/ssh_host_rsa_key /etc/ssh/ssh_host_rsa_key.pub',
    ...mounts.map((m) => sh`mount --bind ${join(spec.root, m)} ${m}`),
    'echo "node $(hostname) ready for sshd"',
    '/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config &',
    // `|| …`: the script runs with set -e, and sshd killed by a signal is a non-zero wait.
    'wait $! || echo "sshd exited with $?"',
    // A fault test that kills sshd on purpose asks the node to outlive it (KEEP_NODE_FILE),
    // so it can start sshd again; otherwise the node ends with its sshd, and a start that
    // fails is seen at once. The lab's stop ends this sleep with the rest.
    sh`if [ -e ${KEEP_NODE_FILE} ]; then exec sleep infinity; fi`,
    '',
  ].join('\n');
}

/**
 * Start the node's init detached from the calling process (own session, no pipes), so a
 * lab can outlive the command that started it. Returns the init's pid.
 */
export function spawnNodeInit(spec: NodeInitSpec): number {
  const script = initScriptFile(spec.root);
  writeFileSync(script, initScript(spec), { mode: 0o755 });
  const log = openSync(nodeLogFile(spec.root), 'a');
  try {
    // nsenter and unshare exec in place, so the child's pid is the init shell's pid.
    const child = spawn(
      'nsenter',
      [`--net=/run/netns/${spec.netns}`, '--', 'unshare', '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', script],
      { detached: true, stdio: ['ignore', log, log], env: LAB_ENV, cwd: '/' },
    );
    child.on('error', () => {}); // a node that never starts is reported by the sshd wait
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start node ${spec.name}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}
