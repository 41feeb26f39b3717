/**
 * multus_manifest: render the Multus thick manifest for K3s from the host's variables
 * (arguments win) into the facts `multus_manifest` (YAML) and `multus_paths` (where its
 * pieces live on a node). Runs on the control machine; touches no host.
 */
import { ValidationError } from '../src/errors.ts';
import { failed, ok, type TaskModule, type TaskResult } from '../src/engine/task.ts';
import { MULTUS_DEFAULTS, multusManifestVars } from '../src/multus/manifest-vars.ts';
import { renderMultusManifest } from '../src/multus/render.ts';

/** Every variable the manifest reads (manifest-vars.ts); nothing else is looked at. */
export const MULTUS_VAR_NAMES = [...Object.keys(MULTUS_DEFAULTS), 'multus_metrics_port'] as const;

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
    let rendered;
    let paths;
    try {
      rendered = renderMultusManifest(vars);
      paths = multusManifestVars(vars).paths;
    } catch (err) {
      if (err instanceof ValidationError) return failed(err.diagnostics.map((d) => d.message).join('; '));
      throw err;
    }
    for (const warning of rendered.warnings) ctx.warn(warning);
    const image = `${String(vars.multus_image ?? MULTUS_DEFAULTS.multus_image)}:${String(vars.multus_version ?? MULTUS_DEFAULTS.multus_version)}`;
    return {
      ...ok(`rendered the Multus manifest (${image}, CNI bin dir ${paths.cniBinDir})`),
      facts: { multus_manifest: rendered.yaml, multus_paths: paths },
    };
  },
};
