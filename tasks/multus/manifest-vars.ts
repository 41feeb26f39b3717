/**
 * From inventory/play vars to the values the Multus manifest template substitutes.
 * Pure: validates every var (all problems at once), applies defaults, and computes
 * everything conditional here so the template needs no control blocks.
 */
import { createHash } from 'node:crypto';
import { ValidationError, type Diagnostic } from '../../src/errors.ts';
import {
  CNI_LAYOUTS,
  K3S_OWNED_PLUGINS,
  MULTUS_OWNED_BINARIES,
  dataDirProblem,
  k3sMultusPaths,
  type CniLayout,
  type K3sMultusPaths,
} from '../k3s/layout.ts';
import { MULTUS_CONFIGMAP, MULTUS_DAEMONSET } from './layout-groups.ts';
import { pinnedImageProblem, repositoryProblem } from './image-ref.ts';
import { DEFAULT_EXTRA_CNI_PLUGINS, DEFAULT_K3S_DATA_DIR, DEFAULT_MULTUS_IMAGE, DEFAULT_MULTUS_VERSION } from '../lib/defaults.ts';

export const MULTUS_DEFAULTS = {
  multus_version: DEFAULT_MULTUS_VERSION,
  multus_image: DEFAULT_MULTUS_IMAGE,
  /**
   * RKE2 ships this exact tag in its Multus image set (rancher/rke2
   * scripts/build-images): reference plugins (ipvlan, macvlan, ...) in /opt/cni/bin
   * on a busybox base, so /bin/sh, cp and mv exist for our own copy loop.
   */
  cni_plugins_image: 'docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819',
  k3s_data_dir: DEFAULT_K3S_DATA_DIR,
  k3s_cni_layout: 'cni' as CniLayout,
  extra_cni_plugins: DEFAULT_EXTRA_CNI_PLUGINS,
  /** Upstream's level: every ADD/DEL is logged, which is what one needs when net1 is missing. */
  multus_log_level: 'verbose',
  multus_memory_request: '50Mi',
  /**
   * Upstream's 50Mi limit OOM-kills the daemon under pod churn
   * (k8snetworkplumbingwg/multus-cni#1346, #1349, #1416), and a killed daemon leaves
   * 00-multus.conf behind, failing every new pod on the node.
   */
  multus_memory_limit: '256Mi',
  /**
   * The daemon's cniVersion: take the node's Flannel conflist's (k3s_facts reads it as
   * `k3s.flannel_cni_version`). v4.3.0 refuses a cluster network below 0.4.0 under a
   * top level of 0.4.0 or later and exits (docs/k3s-multus.md §8); K3s writes 1.0.0, a
   * `--flannel-cni-conf` file may say anything.
   */
  multus_cni_version: '1.0.0',
} as const;

export const MULTUS_LOG_LEVELS = ['debug', 'verbose', 'error', 'panic'] as const;
export type MultusLogLevel = (typeof MULTUS_LOG_LEVELS)[number];

/** Where the daemon container sees the host's CNI config dir and socket dir. */
export const DAEMON_CONF_DIR_IN_POD = '/host/etc/cni/net.d';
export const DAEMON_SOCKET_DIR_IN_POD = '/host/run/multus/';
export const DAEMON_CHROOT_DIR = '/hostroot';

/** CNI spec versions: what a conflist's `cniVersion` may be. */
const CNI_VERSION = /^\d+\.\d+\.\d+$/;

export interface DaemonConfig {
  chrootDir: string;
  cniVersion: string;
  logLevel: MultusLogLevel;
  logToStderr: boolean;
  cniConfigDir: string;
  multusAutoconfigDir: string;
  multusConfigFile: string;
  socketDir: string;
  binDir: string;
  metricsPort?: number;
}

/** Exactly what playbooks/files/multus-daemonset-thick.yaml references. */
export interface MultusTemplateValues {
  multus_image: string;
  multus_version: string;
  cni_plugins_image: string;
  cni_bin_dir: string;
  /** `<data-dir>/data`, mounted at the same path so the bin dir's absolute symlinks resolve. */
  k3s_bundle_dir: string;
  cni_conf_dir: string;
  multus_cache_dir: string;
  /** Space-separated, for the plugin installer's environment. */
  extra_cni_plugins: string;
  k3s_owned_plugins: string;
  multus_memory_request: string;
  multus_memory_limit: string;
  daemon_config: DaemonConfig;
  daemon_config_json: string;
  /** In the pod template, so that a changed config replaces the pods (the daemon reads it once). */
  daemon_config_sha256: string;
  /** kube-multus-ds, or kube-multus-ds-<suffix> for a further node layout (layout-groups.ts). */
  daemonset_name: string;
  /** multus-daemon-config, or multus-daemon-config-<suffix>: its DaemonSet's daemon-config.json. */
  configmap_name: string;
  /** Required node affinity on kubernetes.io/hostname for `multus_node_names`, or `{}`. */
  node_affinity: Record<string, unknown>;
}

export interface MultusManifestVars {
  values: MultusTemplateValues;
  paths: K3sMultusPaths;
  warnings: string[];
}

/**
 * Digests of release images, so the default manifest names its images by digest (the tag
 * stays for readability). Only a digest read from a public record is listed, with where it
 * was read; an image not listed here is pinned by tag and warned about.
 * - ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick: the digest the kubevirt-ip-helper
 *   project's kind e2e setup pins for this tag (its test/e2e README, "the Multus v4.3.0 thick
 *   manifest ... rewrites to ...:v4.3.0-thick@sha256:a922a39a…"). It lies in upstream's own
 *   repository, so it can only name an image upstream pushed; verify with
 *   `crane digest ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick`.
 */
export const KNOWN_IMAGE_DIGESTS: Readonly<Record<string, string>> = {
  'ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick': 'sha256:a922a39a78049991d03178c07afc45a198326481049bd7d84626097402fa14bb',
};

/** `tag@digest` when the image's digest is known and the tag carries none. */
function withKnownDigest(repository: string, tag: string): string {
  if (tag.includes('@')) return tag;
  const digest = KNOWN_IMAGE_DIGESTS[`${repository}:${tag}`];
  return digest ? `${tag}@${digest}` : tag;
}

const MULTUS_RELEASE = /^v(\d+)\.(\d+)\.(\d+)(?:-(?:alpha|beta|rc)\.?\d+)?-thick(?:@sha256:[0-9a-f]{64})?$/;
export const PLUGIN_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:Ki|Mi|Gi|k|M|G)?$/;

/**
 * Operators name releases as upstream does ("v4.3.0"); the thick image of a release is the
 * `-thick` tag, so a bare release version gets the suffix (a digest stays where it is).
 */
/** The image reference install deploys for a repository and a Multus version (digest included when known). */
export function deployedMultusImage(repository: string, version: string): string {
  return `${repository}:${withKnownDigest(repository, thickTag(version))}`;
}

export function thickTag(version: string): string {
  const m = /^(v\d+\.\d+\.\d+(?:-(?:alpha|beta|rc)\.?\d+)?)(@sha256:[0-9a-f]{64})?$/.exec(version);
  return m ? `${m[1]}-thick${m[2] ?? ''}` : version;
}

function multusVersionProblem(v: string): string | undefined {
  const m = MULTUS_RELEASE.exec(v);
  if (!m) {
    return (
      `must be a pinned thick release tag such as "${MULTUS_DEFAULTS.multus_version}" ` +
      `(optionally "@sha256:<digest>"), got "${v}"; floating tags such as snapshot-thick, ` +
      `latest or stable change under a running cluster and are refused`
    );
  }
  // install_multus -t thick (used by the init container) arrived with v4.
  if (Number(m[1]) < 4) return `must be v4.0.0-thick or later (the thick installer), got "${v}"`;
  return undefined;
}

export function multusManifestVars(vars: Record<string, unknown>): MultusManifestVars {
  const problems: Diagnostic[] = [];
  const fail = (name: string, message: string) => problems.push({ message: `${name} ${message}` });

  const str = (name: keyof typeof MULTUS_DEFAULTS): string => {
    const v = vars[name] ?? MULTUS_DEFAULTS[name];
    if (typeof v !== 'string' || v === '') {
      fail(name, `must be a non-empty string, got ${JSON.stringify(v)}`);
      return String(MULTUS_DEFAULTS[name]);
    }
    return v;
  };

  const multusVersionTag = thickTag(str('multus_version'));
  const versionProblem = multusVersionProblem(multusVersionTag);
  if (versionProblem) fail('multus_version', versionProblem);

  const multusImage = str('multus_image');
  const repoProblem = repositoryProblem(multusImage);
  if (repoProblem) fail('multus_image', repoProblem);

  const pluginsImage = str('cni_plugins_image');
  const pluginsImageProblem = pinnedImageProblem(pluginsImage);
  if (pluginsImageProblem) fail('cni_plugins_image', pluginsImageProblem);

  const dataDir = str('k3s_data_dir');
  const dirProblem = dataDirProblem(dataDir);
  if (dirProblem) fail('k3s_data_dir', dirProblem);

  const layout = str('k3s_cni_layout') as CniLayout;
  if (!CNI_LAYOUTS.includes(layout)) {
    fail('k3s_cni_layout', `must be one of ${CNI_LAYOUTS.join(', ')}, got "${layout}"`);
  }

  const logLevel = str('multus_log_level') as MultusLogLevel;
  if (!MULTUS_LOG_LEVELS.includes(logLevel)) {
    fail('multus_log_level', `must be one of ${MULTUS_LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const memoryRequest = str('multus_memory_request');
  const memoryLimit = str('multus_memory_limit');
  for (const [name, q] of [['multus_memory_request', memoryRequest], ['multus_memory_limit', memoryLimit]]) {
    if (!QUANTITY.test(q)) fail(name, `must be a memory quantity such as 256Mi, got "${q}"`);
  }

  const cniVersion = str('multus_cni_version');
  if (!CNI_VERSION.test(cniVersion)) fail('multus_cni_version', `must be a CNI spec version such as 1.0.0, got "${cniVersion}"`);

  const bundleDir = vars.k3s_bundle_dir === undefined || vars.k3s_bundle_dir === null ? undefined : String(vars.k3s_bundle_dir);
  const bundleProblem = bundleDir === undefined ? undefined : dataDirProblem(bundleDir);
  if (bundleProblem) fail('k3s_bundle_dir', bundleProblem);

  const nodeNames = vars.multus_node_names;
  if (nodeNames !== undefined && (!Array.isArray(nodeNames) || nodeNames.length === 0 || nodeNames.some((n) => typeof n !== 'string' || n === ''))) {
    fail('multus_node_names', `must be a non-empty list of Kubernetes node names, got ${JSON.stringify(nodeNames)}`);
  }

  const plugins = extraPlugins(vars.extra_cni_plugins, fail);
  const metricsPort = metricsPortOf(vars.multus_metrics_port, fail);

  if (problems.length > 0) throw new ValidationError(problems);

  const paths = k3sMultusPaths(dataDir, layout);
  const daemonConfig: DaemonConfig = {
    chrootDir: DAEMON_CHROOT_DIR,
    cniVersion,
    logLevel,
    logToStderr: true,
    cniConfigDir: DAEMON_CONF_DIR_IN_POD,
    multusAutoconfigDir: DAEMON_CONF_DIR_IN_POD,
    multusConfigFile: 'auto',
    socketDir: DAEMON_SOCKET_DIR_IN_POD,
    // The daemon looks plugins up inside its pod, where the bin dir sits at the host path.
    binDir: paths.cniBinDir,
    ...(metricsPort === undefined ? {} : { metricsPort }),
  };

  const daemonConfigJson = JSON.stringify(daemonConfig, null, 4);
  const warnings: string[] = [];
  const multusVersion = withKnownDigest(multusImage, multusVersionTag);
  if (!multusVersion.includes('@sha256:')) {
    warnings.push(
      `${multusImage}:${multusVersion} is pinned by tag only; a privileged DaemonSet on every node ` +
        `should name its image by digest: set multus_version to "${multusVersion}@sha256:<digest>"`,
    );
  }
  if (!pluginsImage.includes('@sha256:')) {
    warnings.push(
      `cni_plugins_image ${pluginsImage} is pinned by tag only; set it to "${pluginsImage}@sha256:<digest>" ` +
        `(e.g. from \`crane digest ${pluginsImage}\`)`,
    );
  }
  if (layout === 'current') {
    warnings.push(
      `k3s_cni_layout 'current': ${paths.cniBinDir} lies inside the versioned K3s bundle, and ` +
        `data/current moves to a new bundle on every K3s upgrade; multus-shim and ` +
        `${plugins.length ? plugins.join(', ') : 'any extra plugins'} must be redeployed ` +
        `(restart the kube-multus-ds pods) after each K3s upgrade`,
    );
  }

  return {
    paths,
    warnings,
    values: {
      multus_image: multusImage,
      multus_version: multusVersion,
      cni_plugins_image: pluginsImage,
      cni_bin_dir: paths.cniBinDir,
      // Where K3s's bin-dir links point (k3s_facts' bundle_dir), when the data dir was given
      // through a symlink; else <data-dir>/data.
      k3s_bundle_dir: bundleDir ?? paths.dataDir,
      cni_conf_dir: paths.cniConfDir,
      multus_cache_dir: paths.cacheDir,
      extra_cni_plugins: plugins.join(' '),
      k3s_owned_plugins: K3S_OWNED_PLUGINS.join(' '),
      multus_memory_request: memoryRequest,
      multus_memory_limit: memoryLimit,
      daemon_config: daemonConfig,
      daemon_config_json: daemonConfigJson,
      daemonset_name: MULTUS_DAEMONSET,
      configmap_name: MULTUS_CONFIGMAP,
      daemon_config_sha256: createHash('sha256').update(daemonConfigJson).digest('hex'),
      node_affinity: Array.isArray(nodeNames)
        ? {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [...new Set(nodeNames as string[])].sort() }] }],
              },
            },
          }
        : {},
    },
  };
}

function extraPlugins(raw: unknown, fail: (name: string, message: string) => void): string[] {
  const name = 'extra_cni_plugins';
  const list = raw ?? MULTUS_DEFAULTS.extra_cni_plugins;
  if (!Array.isArray(list)) {
    fail(name, `must be a list of plugin names, got ${JSON.stringify(list)}`);
    return [];
  }
  const seen = new Set<string>();
  for (const p of list) {
    if (typeof p !== 'string' || !PLUGIN_NAME.test(p)) {
      fail(name, `entries must be plain plugin names (lower-case letters, digits, - and _), got ${JSON.stringify(p)}`);
    } else if (K3S_OWNED_PLUGINS.includes(p)) {
      fail(name, `must not contain "${p}": K3s owns it (${K3S_OWNED_PLUGINS.join(' ')}), and replacing it breaks the node's pod network`);
    } else if (MULTUS_OWNED_BINARIES.includes(p)) {
      fail(name, `must not contain "${p}": the multus installer provides it`);
    } else if (seen.has(p)) {
      fail(name, `lists "${p}" twice`);
    }
    if (typeof p === 'string') seen.add(p);
  }
  return [...seen].filter((p) => PLUGIN_NAME.test(p) && !K3S_OWNED_PLUGINS.includes(p) && !MULTUS_OWNED_BINARIES.includes(p));
}

function metricsPortOf(raw: unknown, fail: (name: string, message: string) => void): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
    fail('multus_metrics_port', `must be an integer port between 1 and 65535, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return n;
}
