/**
 * Values that several modules, the CLI help and the bundled playbooks must agree on. A
 * module's schema `default`, its `args.x ?? …` and a playbook's `default(...)` all take
 * them from here; test/unit/defaults.test.ts checks the playbooks against PLAYBOOK_DEFAULTS.
 */

/** Node state written by install: state.json here, the backups of K3s's CNI entries below. */
export const DEFAULT_STATE_DIR = '/var/lib/provision';
export const DEFAULT_BACKUP_DIR = `${DEFAULT_STATE_DIR}/backups`;

/** K3s's `--data-dir` when none is given (docs/k3s-multus.md §1). */
export const DEFAULT_K3S_DATA_DIR = '/var/lib/rancher/k3s';

export const DEFAULT_MULTUS_VERSION = 'v4.3.0-thick';
export const DEFAULT_MULTUS_IMAGE = 'ghcr.io/k8snetworkplumbingwg/multus-cni';
/** Reference plugins installed next to Multus: ipvlan is what the smoke test attaches. */
export const DEFAULT_EXTRA_CNI_PLUGINS: readonly string[] = ['ipvlan'];

/** Host side of the thick daemon's socket dir and its socket (docs/k3s-multus.md §8). */
export const MULTUS_SOCKET_DIR = '/run/multus';
export const MULTUS_SOCKET = `${MULTUS_SOCKET_DIR}/multus.sock`;
/** Per-container delegate caches the daemon keeps (docs/k3s-multus.md §10). */
export const MULTUS_CACHE_DIR = '/var/lib/cni/multus';

/** Seconds wait_daemonset waits for the rollout. */
export const DEFAULT_ROLLOUT_TIMEOUT = 300;
/** Seconds wait_pods_gone waits for the Multus pods to go on rollback. */
export const DEFAULT_PODS_GONE_TIMEOUT = 120;

export const DEFAULT_SMOKE_IMAGE = 'docker.io/library/busybox:1.36.1';
export const DEFAULT_SMOKE_SUBNET = '192.168.250.0/24';
export const DEFAULT_SMOKE_NAMESPACE = 'default';
/** Seconds the smoke test waits for net1. */
export const DEFAULT_SMOKE_TIMEOUT = 120;

/** Platforms the pinned images publish: the Multus release workflow's, and the CNI plugins image's build. */
export const DEFAULT_MULTUS_IMAGE_ARCHITECTURES: readonly string[] = ['amd64', 'arm64', 'arm', 'ppc64le', 's390x'];
export const DEFAULT_CNI_PLUGINS_IMAGE_ARCHITECTURES: readonly string[] = ['amd64', 'arm64'];

/** Playbook variable → the value its `| default(...)` must spell (playbooks/*.yaml). */
export const PLAYBOOK_DEFAULTS: Readonly<Record<string, unknown>> = {
  provision_backup_dir: DEFAULT_BACKUP_DIR,
  provision_state_dir: DEFAULT_STATE_DIR,
  multus_version: DEFAULT_MULTUS_VERSION,
  multus_image: DEFAULT_MULTUS_IMAGE,
  extra_cni_plugins: DEFAULT_EXTRA_CNI_PLUGINS,
  multus_wait_timeout: DEFAULT_ROLLOUT_TIMEOUT,
  rollback_wait_timeout: DEFAULT_PODS_GONE_TIMEOUT,
  rollback_force: false,
  rollback_purge: false,
  smoke_image: DEFAULT_SMOKE_IMAGE,
  smoke_subnet: DEFAULT_SMOKE_SUBNET,
  smoke_namespace: DEFAULT_SMOKE_NAMESPACE,
  smoke_timeout: DEFAULT_SMOKE_TIMEOUT,
  multus_image_architectures: DEFAULT_MULTUS_IMAGE_ARCHITECTURES,
  cni_plugins_image_architectures: DEFAULT_CNI_PLUGINS_IMAGE_ARCHITECTURES,
  multus_force_conflicts: false,
};
