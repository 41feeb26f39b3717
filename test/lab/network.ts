/**
 * The lab network: one bridge on the host holding the lab's host address, and per node a
 * network namespace joined to the bridge by a veth pair (`eth0` inside the node). A bridge
 * rather than addresses on each veth, so nodes reach each other and the host has one route.
 */
import { randomInt } from 'node:crypto';
import { hostAddressOf } from './names.ts';
import { run, runOk } from './host-commands.ts';

/**
 * Create the bridge, labelled with the lab directory (its ifalias, so a sweep can find the
 * lab's state from the kernel object alone), and claim a free 10.213.X.0/24 for it.
 */
export async function createBridge(bridge: string, labDir: string, preferred: number): Promise<number> {
  const made = await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  if (made.exitCode !== 0) {
    throw new Error(`cannot create ${bridge} (${made.stderr.trim()}): another lab with the same id is running`);
  }
  await runOk('ip', ['link', 'set', 'dev', bridge, 'alias', labDir]);
  const subnet = await claimSubnet(bridge, preferred);
  await runOk('ip', ['link', 'set', 'dev', bridge, 'up']);
  return subnet;
}

/**
 * Claim X by putting 10.213.X.1/24 on our bridge, then looking whether any other interface
 * has an address in that /24. Whoever sees a clash backs off to a random other X: of two
 * labs racing for one X, the one adding its address last always sees the other, so two labs
 * never both keep the same subnet, with no lock file outside the lab directories.
 */
async function claimSubnet(bridge: string, preferred: number): Promise<number> {
  let x = preferred;
  for (let attempt = 0; attempt < 64; attempt++) {
    if (!(await subnetInUse(x))) {
      const cidr = `${hostAddressOf(x)}/24`;
      await runOk('ip', ['addr', 'add', cidr, 'dev', bridge]);
      if (!(await subnetInUse(x, bridge))) return x;
      await runOk('ip', ['addr', 'del', cidr, 'dev', bridge]);
    }
    x = attempt < 8 ? (x + 1) % 256 : randomInt(256);
  }
  throw new Error('no free 10.213.X.0/24 for the lab network');
}

async function subnetInUse(x: number, except?: string): Promise<boolean> {
  const out = await runOk('ip', ['-4', '-o', 'addr', 'show']);
  return out.split('\n').some((line) => {
    const [, dev, , , addr] = line.split(/\s+/);
    return dev !== except && addr !== undefined && addr.startsWith(`10.213.${x}.`);
  });
}

/** A node's netns and its veth pair: host end on the bridge, `eth0` inside (configured by the node's init). */
export async function createNodeLink(bridge: string, netns: string, hostVeth: string): Promise<void> {
  await runOk('ip', ['netns', 'add', netns]);
  await addVeth(bridge, netns, hostVeth, 'eth0');
}

/** One more interface for a netns that exists, its host end on `bridge`. */
export async function addVeth(bridge: string, netns: string, hostVeth: string, inside: string): Promise<void> {
  await runOk('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', inside, 'netns', netns]);
  await runOk('ip', ['link', 'set', 'dev', hostVeth, 'master', bridge, 'up']);
}

/**
 * The private network's bridge: no address on the host, so the host neither reaches it nor
 * routes to it; it only carries frames between the veths on it.
 */
export async function createPrivateBridge(bridge: string, labDir: string): Promise<void> {
  await runOk('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await runOk('ip', ['link', 'set', 'dev', bridge, 'alias', labDir]);
  await runOk('ip', ['link', 'set', 'dev', bridge, 'up']);
}
