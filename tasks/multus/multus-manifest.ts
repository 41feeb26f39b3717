/**
 * multus_manifest: render the Multus thick manifest for K3s from the host's variables
 * (arguments win) into the facts `multus_manifest` (YAML) and `multus_paths` (where its
 * pieces live on a node). Runs on the control machine; touches no host.
 */
import { ValidationError } from '../../src/errors.ts';
import { failed, ok, type TaskModule, type TaskResult } from '../../src/module/task.ts';
import { MULTUS_DEFAULTS, multusManifestVars } from './manifest-vars.ts';
import { renderMultusManifest } from './render.ts';

/** Every variable the manifest reads (manifest-vars.ts); nothing else is looked at. */
export const MULTUS_VAR_NAMES = [...Object.keys(MULTUS_DEFAULTS), 'multus_metrics_port', 'k3s_bundle_dir', 'multus_node_names'] as const;

/** The Kubernetes node names of these hosts (k3s_node_name's `k8s_node_name` facts). */
export function nodeNamesOf(vars: Readonly<Record<string, unknown>>, hosts: unknown): string[] | undefined {
  if (!Array.isArray(hosts)) return undefined;
  const hostvars = (vars.hostvars ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return hosts.flatMap((h) => {
    const name = typeof h === 'string' ? hostvars[h]?.k8s_node_name : undefined;
    return typeof name === 'string' && name !== '' ? [name] : [];
  });
}

/**
 * Only the manifest's own variables are read from the scope: reading every variable
 * would render unrelated templates, whose errors are none of this task's business.
 */
export function pickMultusVars(vars: Readonly<Record<string, unknown>>, args: Record<string, unknown> = {}): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of MULTUS_VAR_NAMES) {
    const value = Object.hasOwn(args, name) ? args[name] : vars[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/**
 * Each listed host whose `k3s` fact names another data dir or layout than the manifest's,
 * as `node2 has data dir …, layout current`. Hosts without the fact are skipped.
 */
export function nodesOffLayout(vars: Readonly<Record<string, unknown>>, hosts: unknown, dataDir: string, layout: string): string[] {
  if (!Array.isArray(hosts)) return [];
  const hostvars = (vars.hostvars ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const out: string[] = [];
  for (const host of hosts) {
    if (typeof host !== 'string' || !Object.hasOwn(hostvars, host)) continue;
    const k3s = hostvars[host]?.k3s as { data_dir?: unknown; layout?: unknown } | undefined;
    if (!k3s || typeof k3s !== 'object' || typeof k3s.data_dir !== 'string' || typeof k3s.layout !== 'string') continue;
    if (k3s.data_dir !== dataDir || k3s.layout !== layout) out.push(`${host} has data dir ${k3s.data_dir}, layout ${k3s.layout}`);
  }
  return out;
}

const str = (description: string) => ({ type: 'string', minLength: 1, description });

export const multusManifest: TaskModule<Record<string, unknown>> = {
  name: 'multus_manifest',
  description:
    'Renders the Multus thick DaemonSet manifest for K3s (playbooks/files/multus-daemonset-thick.yaml) from the variables of the host, overridden by the arguments, and sets the facts `multus_manifest` (the YAML, for kubectl_apply) and `multus_paths` (the node paths it uses: `cniBinDir`, `cniConfDir`, `multusConf`, `socketPath`, …). Fails listing every invalid variable. Runs on the control machine only.',
  controlOnly: true,
  readOnly: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      multus_version: str(`Pinned thick release tag (default ${MULTUS_DEFAULTS.multus_version}); floating tags are refused.`),
      multus_image: str(`Image repository (default ${MULTUS_DEFAULTS.multus_image}).`),
      cni_plugins_image: str('Pinned image with the reference CNI plugins the extra-plugin installer copies from.'),
      k3s_data_dir: str(`K3s --data-dir (default ${MULTUS_DEFAULTS.k3s_data_dir}).`),
      k3s_bundle_dir: str("`<data-dir>/data` as K3s's bin-dir links spell it (k3s_facts' `bundle_dir`); default `<k3s_data_dir>/data`."),
      k3s_cni_layout: { enum: ['cni', 'current'], description: "K3s CNI bin dir: 'cni' (data/cni, K3s ≥ v1.28.15/v1.29.10/v1.30.6/v1.31.2) or 'current' (data/current/bin, older)." },
      extra_cni_plugins: {
        type: 'array',
        items: { type: 'string' },
        description: 'Reference plugins to copy into the K3s CNI bin dir (default [ipvlan]); names K3s owns are refused.',
      },
      multus_log_level: { enum: ['debug', 'verbose', 'error', 'panic'], description: 'multus-daemon log level (default verbose).' },
      multus_memory_request: str('Memory request of the daemon container (default 50Mi).'),
      multus_memory_limit: str('Memory limit of the daemon container (default 256Mi).'),
      multus_metrics_port: { type: ['integer', 'string'], description: 'Expose the daemon metrics on this port.' },
      multus_cni_version: str("The daemon's `cniVersion` (default 1.0.0); install takes it from each node's Flannel conflist, since Multus v4.3.0 exits on a cluster network below 0.4.0 under a top level of 0.4.0 or later."),
      multus_node_names: {
        type: 'array',
        items: { type: 'string' },
        description: 'Kubernetes node names the DaemonSet is pinned to (required node affinity on kubernetes.io/hostname). With `k3s_nodes`, taken from their `k8s_node_name` facts.',
      },
      cluster_nodes: {
        type: 'array',
        items: { type: 'object' },
        description: "The cluster's Node objects (kubectl_get `resources`): nodes among them that the DaemonSet is not pinned to are named in a warning.",
      },
      k3s_nodes: {
        type: 'array',
        items: { type: 'string' },
        description:
          "Hosts whose `k3s` fact (set by k3s_facts) must have the data dir and CNI layout the manifest is rendered for; usually `{{ ansible_play_batch }}`. One DaemonSet runs on every node with the same host paths, so a fleet that mixes data dirs or layouts (say, some nodes still on a K3s without data/cni) would get Multus's binaries where K3s does not look: the task fails naming each node that differs. Hosts without the fact (failed preflight) are skipped.",
      },
    },
  },
  examples: [
    `- name: Render the Multus manifest
  multus_manifest: {}`,
    `- name: Render it for an older K3s with macvlan too
  multus_manifest:
    k3s_cni_layout: current
    extra_cni_plugins: [ipvlan, macvlan]
    multus_version: v4.2.4-thick`,
  ],
  async run(args, ctx): Promise<TaskResult> {
    const vars = pickMultusVars(ctx.vars, args ?? {});
    const pinned = vars.multus_node_names === undefined ? nodeNamesOf(ctx.vars, args.k3s_nodes) : undefined;
    if (pinned && pinned.length > 0) vars.multus_node_names = pinned;
    let rendered;
    let paths;
    try {
      rendered = renderMultusManifest(vars);
      paths = multusManifestVars(vars).paths;
    } catch (err) {
      if (err instanceof ValidationError) return failed(err.diagnostics.map((d) => d.message).join('; '));
      throw err;
    }
    const mismatched = nodesOffLayout(ctx.vars, args.k3s_nodes, paths.k3sDataDir, paths.layout);
    if (mismatched.length > 0) {
      return failed(
        `one manifest cannot serve these nodes: it is rendered for data dir ${paths.k3sDataDir}, layout ${paths.layout}, but ${mismatched.join('; ')}; install on nodes of one K3s layout at a time (--limit), or upgrade K3s first`,
      );
    }
    for (const warning of rendered.warnings) ctx.warn(warning);
    const names = Array.isArray(vars.multus_node_names) ? (vars.multus_node_names as string[]) : undefined;
    const outside = names && Array.isArray(args.cluster_nodes)
      ? (args.cluster_nodes as Array<{ metadata?: { name?: string } }>).map((n) => n.metadata?.name ?? '').filter((n) => n && !names.includes(n))
      : [];
    if (outside.length > 0) {
      ctx.warn(`cluster nodes outside this run get no Multus pod (not in the inventory or --limit; add them and rerun to install there): ${outside.join(', ')}`);
    }
    const image = `${String(vars.multus_image ?? MULTUS_DEFAULTS.multus_image)}:${String(vars.multus_version ?? MULTUS_DEFAULTS.multus_version)}`;
    return {
      ...ok(`rendered the Multus manifest (${image}, CNI bin dir ${paths.cniBinDir})`),
      facts: { multus_manifest: rendered.yaml, multus_paths: paths },
    };
  },
};
