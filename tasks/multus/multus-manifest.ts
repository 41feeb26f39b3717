/**
 * multus_manifest: render the Multus thick manifest for K3s from the host's variables
 * (arguments win) into the facts `multus_manifest` (YAML) and `multus_paths` (where its
 * pieces live on a node). Runs on the control machine; touches no host.
 */
import { ValidationError } from '../../src/errors.ts';
import { failed, ok, type TaskModule, type TaskResult } from '../../src/module/task.ts';
import { MULTUS_DEFAULTS, multusManifestVars } from './manifest-vars.ts';
import { renderMultusManifest } from './render.ts';
import { groupByLayout, joinRenderings, MULTUS_CONFIGMAP, MULTUS_DAEMONSET, type LayoutGroup } from './layout-groups.ts';

/** Every variable the manifest reads (manifest-vars.ts); nothing else is looked at. */
export const MULTUS_VAR_NAMES = [...Object.keys(MULTUS_DEFAULTS), 'multus_metrics_port', 'k3s_bundle_dir', 'multus_node_names'] as const;

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
          "Hosts whose `k3s` fact (set by k3s_facts) decides the manifest's host paths; usually `{{ ansible_play_batch }}`. Nodes that share a data dir, CNI bin-dir layout, bundle dir and Flannel cniVersion share a DaemonSet: the first such group gets `kube-multus-ds` and `multus-daemon-config`, every other `kube-multus-ds-<suffix>` and `multus-daemon-config-<suffix>` (the suffix: 10 hex digits of the layout's sha256), each pinned to its own nodes (their `k8s_node_name` facts). Hosts without the fact (failed preflight) are skipped.",
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
    const hostvars = (ctx.vars.hostvars ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const hosts = Array.isArray(args.k3s_nodes) ? (args.k3s_nodes as unknown[]).filter((h): h is string => typeof h === 'string') : [];
    const groups = groupByLayout(hosts, hostvars);
    const explicitNames = pickMultusVars(ctx.vars, args).multus_node_names;
    if (groups.length > 1 && explicitNames !== undefined) {
      return failed(`multus_node_names pins one DaemonSet, but these nodes have ${groups.length} K3s layouts (${groups.map(describe).join('; ')}); leave it unset`);
    }
    const unnamed = groups.length > 1 ? groups.filter((g) => g.nodes.length === 0) : [];
    if (unnamed.length > 0) {
      return failed(`cannot pin one DaemonSet per K3s layout without the Kubernetes node names of ${unnamed.flatMap((g) => g.hosts).join(', ')} (k8s_node_name, set by k3s_node_name)`);
    }
    // Without facts (provision manifest, a play without k3s_facts): one DaemonSet from the vars.
    const plan: LayoutGroup[] = groups.length > 0 ? groups : [{ daemonset: MULTUS_DAEMONSET, configmap: MULTUS_CONFIGMAP, layout: {}, hosts: [], nodes: [] }];
    const renderings: string[] = [];
    const warnings = new Set<string>();
    const problems = new Set<string>();
    const layouts: Array<Record<string, unknown>> = [];
    let paths;
    for (const group of plan) {
      // Only the manifest's own variables, then the group's layout, then the arguments.
      const vars: Record<string, unknown> = { ...pickMultusVars(ctx.vars), ...group.layout, ...pickMultusVars({}, args) };
      if (vars.multus_node_names === undefined && group.nodes.length > 0) vars.multus_node_names = group.nodes;
      try {
        const rendered = renderMultusManifest(vars, { daemonset: group.daemonset, configmap: group.configmap });
        const groupPaths = multusManifestVars(vars).paths;
        paths ??= groupPaths;
        renderings.push(rendered.yaml);
        for (const w of rendered.warnings) warnings.add(w);
        layouts.push({ daemonset: group.daemonset, configmap: group.configmap, hosts: group.hosts, nodes: group.nodes, data_dir: groupPaths.k3sDataDir, cni_bin_dir: groupPaths.cniBinDir });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        for (const d of err.diagnostics) problems.add(plan.length > 1 ? `${group.daemonset} (${group.hosts.join(', ')}): ${d.message}` : d.message);
      }
    }
    if (problems.size > 0 || !paths) return failed([...problems].join('; '));
    for (const warning of warnings) ctx.warn(warning);
    const pinned = plan.flatMap((g) => g.nodes);
    const names = Array.isArray(explicitNames) ? (explicitNames as string[]) : pinned.length > 0 ? pinned : undefined;
    const outside = names && Array.isArray(args.cluster_nodes)
      ? (args.cluster_nodes as Array<{ metadata?: { name?: string } }>).map((n) => n.metadata?.name ?? '').filter((n) => n && !names.includes(n))
      : [];
    if (outside.length > 0) {
      ctx.warn(`cluster nodes outside this run get no Multus pod (not in the inventory or --limit; add them and rerun to install there): ${outside.join(', ')}`);
    }
    const base = pickMultusVars(ctx.vars, args);
    const image = `${String(base.multus_image ?? MULTUS_DEFAULTS.multus_image)}:${String(base.multus_version ?? MULTUS_DEFAULTS.multus_version)}`;
    const where = layouts.length === 1
      ? `CNI bin dir ${paths.cniBinDir}`
      : layouts.map((l) => `${String(l.daemonset)} on ${(l.nodes as string[]).join(', ')}: CNI bin dir ${String(l.cni_bin_dir)}`).join('; ');
    return {
      ...ok(`rendered the Multus manifest (${image}, ${where})`),
      facts: {
        multus_manifest: joinRenderings(renderings),
        multus_paths: paths,
        multus_daemonsets: plan.map((g) => g.daemonset),
        multus_configmaps: plan.map((g) => g.configmap),
        multus_layouts: layouts,
      },
    };
  },
};

function describe(group: LayoutGroup): string {
  return `${group.hosts.join(', ')}: data dir ${group.layout.k3s_data_dir ?? '?'}, layout ${group.layout.k3s_cni_layout ?? '?'}`;
}
