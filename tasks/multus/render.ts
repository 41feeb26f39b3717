/**
 * Renders the Multus thick manifest for K3s from inventory/play vars. The template
 * holds only substitutions; every decision is made in manifest-vars.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-root.ts';
import { renderString } from '../../src/template/index.ts';
import { multusManifestVars } from './manifest-vars.ts';

/** Resolved from the package root, so it works from any working directory and from dist/. */
export const MULTUS_TEMPLATE_PATH = join(PACKAGE_ROOT, 'playbooks', 'files', 'multus-daemonset-thick.yaml');

export interface RenderedManifest {
  yaml: string;
  warnings: string[];
}

/** The DaemonSet and ConfigMap names of one node layout (default: upstream's). */
export interface ObjectNames {
  daemonset: string;
  configmap: string;
}

/** Throws ValidationError (every bad var at once) before anything is rendered. */
export function renderMultusManifest(vars: Record<string, unknown>, names?: ObjectNames): RenderedManifest {
  const computed = multusManifestVars(vars);
  const { warnings } = computed;
  const values = names ? { ...computed.values, daemonset_name: names.daemonset, configmap_name: names.configmap } : computed.values;
  const template = readFileSync(MULTUS_TEMPLATE_PATH, 'utf8');
  // Only the computed values are visible to the template: nothing unvalidated reaches it.
  const yaml = renderString(template, { ...values });
  return { yaml, warnings };
}
