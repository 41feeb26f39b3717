/**
 * The programs that stand in for K3s on a lab node (FAKES, named so in their own text):
 * the multicall CNI binary of a K3s bundle and the `k3s` command. Neither is K3s; they
 * answer just enough for the product to tell versions apart and to reach the API stand-in
 * through the real kubectl.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { quote } from '../../src/connection/quote.ts';

export const DEFAULT_K3S_VERSION = 'v1.31.2+k3s1';
/** A release from before the stable `data/cni` bin dir (only `data/current/bin`). */
export const OLD_K3S_VERSION = 'v1.28.14+k3s1';

/** The plugin names K3s links to its multicall binary, in `data/<hash>/bin` and `data/cni`. */
export const K3S_PLUGIN_LINKS = ['bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'] as const;

/** The CNI spec versions the multicall binary (containernetworking plugins 1.x) supports. */
const SUPPORTED_CNI_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** Commit and Go version `k3s --version` prints for releases we know; others get made-up ones. */
const KNOWN_RELEASES: Record<string, { commit: string; go: string }> = {
  'v1.31.2+k3s1': { commit: '6da204df', go: 'go1.22.8' },
  'v1.28.14+k3s1': { commit: '0a1e3ea6', go: 'go1.22.5' },
};

function releaseOf(version: string): { commit: string; go: string } {
  return KNOWN_RELEASES[version] ?? { commit: createHash('sha256').update(version).digest('hex').slice(0, 8), go: 'go1.22.8' };
}

/** First patch of each minor line whose K3s keeps a stable `data/cni` bin dir (docs/k3s-multus.md §3). */
const STABLE_CNI_DIR_SINCE: Record<number, number> = { 28: 15, 29: 10, 30: 6, 31: 2 };

/**
 * Whether this K3s release lays out `data/cni`. Kept apart from the product's own
 * version logic on purpose: the lab must not take the product's word for K3s's behaviour.
 */
export function hasStableCniDir(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a K3s version: ${JSON.stringify(version)}`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major !== 1) return major > 1;
  if (minor >= 32) return true;
  const since = STABLE_CNI_DIR_SINCE[minor];
  return since !== undefined && patch >= since;
}

/**
 * The multicall `cni` of one K3s release. Its text names the release, so its sha256 (the
 * bundle's directory name below) differs per version, as a real bundle's does.
 */
export function multicallCniScript(version: string): string {
  const versions = JSON.stringify({ cniVersion: '1.0.0', supportedVersions: SUPPORTED_CNI_VERSIONS });
  return [
    '#!/bin/sh',
    `# Lab stand-in (not a CNI plugin) for the multicall cni binary of K3s ${version}.`,
    '# It answers by the name it is called as, like the real one.',
    'name=${0##*/}',
    'if [ "${CNI_COMMAND:-}" = VERSION ]; then',
    `  printf '%s\\n' ${quote(versions)}`,
    '  exit 0',
    'fi',
    `printf '%s (K3s ${version} multicall cni, lab stand-in)\\n' "$name"`,
    '',
  ].join('\n');
}

/** The bundle directory name under `data/`: the hash of what the release unpacks. */
export function bundleHash(version: string): string {
  return createHash('sha256').update(multicallCniScript(version)).digest('hex');
}

/**
 * `kubectl` for `k3s kubectl`: the host's real binary. The node shares /usr/bin with the
 * host, but its /usr/local/bin is its own, so a kubectl found only there is not usable.
 */
export function realKubectlPath(): string {
  const candidates = [process.env.LAB_KUBECTL, '/usr/bin/kubectl', '/bin/kubectl'];
  for (const c of candidates) {
    if (!c || !c.startsWith('/') || c.startsWith('/usr/local/')) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error('the lab needs kubectl at /usr/bin/kubectl (or LAB_KUBECTL, outside /usr/local)');
}

/**
 * `/usr/local/bin/k3s`: `k3s --version` as the release prints it, and `k3s kubectl …` (or
 * the `kubectl` link to it, as K3s's installer makes) through the real kubectl with the
 * kubeconfig K3s writes. Anything else says plainly that it is not simulated.
 */
export function k3sCommandScript(version: string, kubectl: string): string {
  const { commit, go } = releaseOf(version);
  return [
    '#!/bin/sh',
    `# Lab stand-in for the k3s command of K3s ${version}: not K3s. Only --version,`,
    '# kubectl (the real one, talking to the lab API stand-in) and an idle server/agent',
    '# process (for its command line) are simulated.',
    `K3S_VERSION=${quote(version)}`,
    `REAL_KUBECTL=${quote(kubectl)}`,
    'run_kubectl() {',
    '  exec "$REAL_KUBECTL" --kubeconfig "${KUBECONFIG:-/etc/rancher/k3s/k3s.yaml}" "$@"',
    '}',
    'case "${0##*/}" in kubectl) run_kubectl "$@" ;; esac',
    'case "${1:-}" in',
    `  --version|-v|version) printf 'k3s version %s (%s)\\ngo version %s\\n' "$K3S_VERSION" ${quote(commit)} ${quote(go)} ;;`,
    '  kubectl) shift; run_kubectl "$@" ;;',
    // What `ps` shows of a running K3s: `k3s server|agent FLAGS…` (comm "k3s"), its
    // command line and environment readable in /proc. Nothing else of K3s runs.
    '  server|agent) trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done ;;',
    '  *) echo "k3s (lab stand-in for $K3S_VERSION): \'${1:-}\' is not simulated; only --version and kubectl are" >&2; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
}

/** K3s's own 10-flannel.conflist, as its agent writes it on every start. */
export function flannelConflist(): string {
  const conf = {
    name: 'cbr0',
    cniVersion: '1.0.0',
    plugins: [
      { type: 'flannel', delegate: { hairpinMode: true, forceAddress: true, isDefaultGateway: true } },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
    ],
  };
  return `${JSON.stringify(conf, null, 2)}\n`;
}

/** Flannel's runtime file for the node whose pod CIDR is 10.42.<subnetIndex>.0/24. */
export function flannelSubnetEnv(subnetIndex: number): string {
  return [
    'FLANNEL_NETWORK=10.42.0.0/16',
    `FLANNEL_SUBNET=10.42.${subnetIndex}.1/24`,
    'FLANNEL_MTU=1450',
    'FLANNEL_IPMASQ=true',
    '',
  ].join('\n');
}
