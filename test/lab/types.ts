/**
 * The lab: simulated K3s nodes on this machine. Each node is a network namespace plus a
 * mount and UTS namespace running a real OpenSSH sshd. Its per-node directories live on the
 * host under `LabNode.root` and are bind-mounted at the real paths inside the node, so the
 * product touches the same paths as on a real node and tests can inspect them from outside.
 */
import type { ExecResult } from '../../src/connection/types.ts';

export interface LabNode {
  /** inventory_hostname, e.g. "node1" */
  name: string;
  /** IPv4 address of the node: on the lab network, or on the private one for its members. */
  address: string;
  /** False for members of the private network: only its gateway reaches them. */
  reachableFromHost: boolean;
  /** The gateway's address on the private network. */
  privateAddress?: string;
  port: number;
  /** Host-side directory holding this node's bind-mounted directories. */
  root: string;
  /** PID of the node's init process (sshd's parent), for nsenter. */
  pid: number;
}

export interface StartLabOptions {
  /** Node count or explicit names. */
  nodes: number | string[];
  /** Unique id so several labs (parallel test files) never collide; default random. */
  id?: string;
  /** Base directory for lab state (default /tmp/provision-lab). */
  baseDir?: string;
  /**
   * A second network that only `gateway` joins from the lab network: each of `members` sits
   * on it alone (its eth0), unreachable from the host and from the other nodes; `gateway`
   * gets an eth1 there. For jump-host (bastion) tests.
   */
  privateNetwork?: { gateway: string; members: string[] };
}

export interface Lab {
  id: string;
  /** Host-side state directory of this lab. */
  dir: string;
  /** Address of the host end of the lab network (where host-side stand-in services listen). */
  hostAddress: string;
  nodes: LabNode[];
  /** An inventory (group `all` with every node, vars for the root key and known_hosts). */
  inventoryFile: string;
  /** known_hosts with every node's host keys, `[address]:port` form. */
  knownHostsFile: string;
  /** Private key accepted for root on every node. */
  rootKeyFile: string;
  /** A non-root user that exists on every node with sudo rights. */
  user: { name: string; keyFile: string; password: string };
  /**
   * A second non-root user on every node whose sudo needs no password (`sudo -n` works).
   * `user` above always needs its password (`sudo -n` fails, `sudo -S` with it works).
   */
  nopasswdUser?: { name: string; keyFile: string };
  /** Path on the host of a file that is at `path` inside the node (for assertions). */
  hostPath(node: LabNode | string, path: string): string;
  /** Run a shell command inside the node's namespaces as root (for assertions and set-up). */
  exec(node: LabNode | string, command: string): Promise<ExecResult>;
  /** Kill every process in the lab's namespaces, delete veths, namespaces and state. */
  stop(): Promise<void>;
}
