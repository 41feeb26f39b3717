/**
 * Variables that become paths or file names on the nodes, checked before anything is
 * contacted (exit 4): a relative data dir, a `..` in a backup dir or a plugin called
 * `../../bin/sh` is a mistake or an attack, and a task that would meet it half-way through
 * a run has already changed other nodes. Only literal values are checked here (a templated
 * one is checked by its task's argument schema when it is rendered).
 */
import type { Diagnostic } from '../errors.ts';
import type { Inventory } from '../inventory/types.ts';
import { PLUGIN_NAME } from '../../tasks/multus/manifest-vars.ts';

/** Directories on the node: absolute, normalised, one line. */
export const NODE_DIR_VARS = ['k3s_data_dir', 'provision_backup_dir', 'provision_state_dir'] as const;

export function nodeDirProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.includes('{{')) return undefined;
  if (!value.startsWith('/')) return `must be an absolute path, got ${JSON.stringify(value)}`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return `must not contain control characters (newlines included), got ${JSON.stringify(value)}`;
  if (value.split('/').some((part) => part === '..' || part === '.')) return `must not contain "." or ".." segments, got ${JSON.stringify(value)}`;
  return undefined;
}

export function pluginNamesProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const bad = value.filter((p) => typeof p !== 'string' || (!p.includes('{{') && !PLUGIN_NAME.test(p)));
  return bad.length > 0 ? `entries must be plain plugin names (lower-case letters, digits, - and _), got ${bad.map((p) => JSON.stringify(p)).join(', ')}` : undefined;
}

export function nodePathVarProblems(inventory: Inventory, extraVars: Record<string, unknown>): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const check = (where: string, vars: Record<string, unknown>, file?: string) => {
    for (const name of NODE_DIR_VARS) {
      const problem = nodeDirProblem(vars[name]);
      if (problem) problems.push({ ...(file ? { file } : {}), message: `${where}${name} ${problem}` });
    }
    const plugins = pluginNamesProblem(vars.extra_cni_plugins);
    if (plugins) problems.push({ ...(file ? { file } : {}), message: `${where}extra_cni_plugins ${plugins}` });
  };
  check('-e ', extraVars);
  const seen = new Set<string>();
  for (const host of inventory.hosts) {
    const before = problems.length;
    check(`host ${host.name}: `, host.vars, inventory.file);
    // One line per distinct problem: a group variable is every member's.
    for (const p of problems.splice(before)) {
      const key = p.message.replace(/^host \S+: /, '');
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(p);
      }
    }
  }
  return problems;
}
