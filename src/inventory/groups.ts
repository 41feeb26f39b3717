/**
 * Group graph: checks it (cycles, names used for both a host and a group), then works out
 * membership and variable precedence exactly as Ansible does:
 *   - a group with no parent is a child of `all`; hosts in no group but `all` form `ungrouped`;
 *   - a group's depth is its longest distance from `all`;
 *   - a host's group vars merge in order of (depth, ansible_group_priority, name), so
 *     all < parent < child, and among groups at the same depth the higher priority, then
 *     the alphabetically later name, wins; host vars override them all;
 *   - merging is shallow (hash_behaviour=replace): a mapping value replaces, never merges.
 */
import type { Diagnostic } from '../errors.ts';
import type { InventoryHost } from './types.ts';
import type { GroupDef, InventoryDefs } from './structure.ts';

export const ALL = 'all';
export const UNGROUPED = 'ungrouped';

export interface ResolvedInventory {
  hosts: InventoryHost[];
  groups: Record<string, string[]>;
}

/** Cycles and host/group name clashes, each positioned. */
export function groupGraphDiagnostics(defs: InventoryDefs): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const g of defs.groups.values()) {
    const host = defs.hosts.get(g.name);
    if (host) {
      diagnostics.push({
        ...g.position,
        message: `"${g.name}" is both a group and a host (host at line ${host.position.line}); rename one of them`,
      });
    }
  }
  diagnostics.push(...cycleDiagnostics(defs));
  return diagnostics;
}

function cycleDiagnostics(defs: InventoryDefs): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const done = new Set<string>();
  const reported = new Set<string>();
  const visit = (g: GroupDef, trail: string[]) => {
    if (done.has(g.name)) return;
    for (const child of childrenOf(defs, g)) {
      const at = trail.indexOf(child.name);
      if (at >= 0 || child.name === g.name) {
        const loop = [...trail.slice(at >= 0 ? at : trail.length), g.name, child.name];
        const key = `${g.name}>${child.name}`;
        if (!reported.has(key)) {
          reported.add(key);
          diagnostics.push({ ...child.position, message: `group "${child.name}" is its own ancestor: ${loop.join(' -> ')}` });
        }
        continue;
      }
      const next = defs.groups.get(child.name);
      if (next) visit(next, [...trail, g.name]);
    }
    done.add(g.name);
  };
  // From `all` first, so that a loop is reported where the file closes it, never on the
  // implicit edge from `all` to a group without parents.
  const all = defs.groups.get(ALL);
  if (all) visit(all, []);
  for (const g of defs.groups.values()) visit(g, []);
  return diagnostics;
}

/** Explicit children, plus (for `all`) every group that has no parent of its own. */
function childrenOf(defs: InventoryDefs, g: GroupDef): GroupDef['children'] {
  if (g.name !== ALL) return g.children;
  const explicit = new Set(g.children.map((c) => c.name));
  const orphans = [...defs.groups.values()]
    .filter((o) => o.name !== ALL && !explicit.has(o.name) && !hasParent(defs, o.name))
    .map((o) => ({ name: o.name, position: o.position }));
  return [...g.children, ...orphans];
}

function hasParent(defs: InventoryDefs, name: string): boolean {
  for (const g of defs.groups.values()) if (g.children.some((c) => c.name === name)) return true;
  return false;
}

/** Membership and merged vars. Only call on a graph without diagnostics (no cycles). */
export function resolveInventory(defs: InventoryDefs, file: string): ResolvedInventory {
  const all = ensureGroup(defs, ALL, file);
  // Hosts that belong to no group but `all` make up the implicit `ungrouped` group.
  const directGroups = new Map<string, Set<string>>();
  for (const h of defs.hosts.keys()) directGroups.set(h, new Set());
  for (const g of defs.groups.values()) for (const h of g.hosts) directGroups.get(h)!.add(g.name);
  const ungrouped = ensureGroup(defs, UNGROUPED, file);
  for (const [h, direct] of directGroups) {
    if ([...direct].every((name) => name === ALL) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
  }

  const parents = new Map<string, string[]>();
  for (const g of defs.groups.values()) parents.set(g.name, []);
  for (const g of defs.groups.values()) for (const c of childrenOf(defs, g)) parents.get(c.name)!.push(g.name);

  const depthMemo = new Map<string, number>();
  const depth = (name: string): number => {
    if (name === all.name) return 0;
    let d = depthMemo.get(name);
    if (d === undefined) {
      d = Math.max(0, ...parents.get(name)!.map(depth)) + 1;
      depthMemo.set(name, d);
    }
    return d;
  };
  const ancestorsMemo = new Map<string, Set<string>>();
  const selfAndAncestors = (name: string): Set<string> => {
    let set = ancestorsMemo.get(name);
    if (!set) {
      set = new Set([name]);
      for (const p of parents.get(name)!) for (const a of selfAndAncestors(p)) set.add(a);
      ancestorsMemo.set(name, set);
    }
    return set;
  };

  const precedence = (a: GroupDef, b: GroupDef) =>
    depth(a.name) - depth(b.name) || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

  const hosts: InventoryHost[] = [];
  for (const h of defs.hosts.values()) {
    const member = new Set<string>([ALL]);
    for (const direct of directGroups.get(h.name)!) for (const g of selfAndAncestors(direct)) member.add(g);
    if (ungrouped.hosts.includes(h.name)) member.add(UNGROUPED);
    const ordered = [...member].map((name) => defs.groups.get(name)!).sort(precedence);
    const vars: Record<string, unknown> = {};
    for (const g of ordered) Object.assign(vars, g.vars);
    Object.assign(vars, h.vars);
    hosts.push({ name: h.name, vars, groups: ordered.map((g) => g.name), position: h.position });
  }

  // `all` first, then groups as the file introduces them.
  const groups: Record<string, string[]> = { [ALL]: [] };
  for (const g of defs.groups.values()) groups[g.name] = [];
  for (const h of hosts) for (const g of h.groups) groups[g].push(h.name);
  return { hosts, groups };
}

/** `all` and `ungrouped` exist even when the file never names them. */
function ensureGroup(defs: InventoryDefs, name: string, file: string): GroupDef {
  let g = defs.groups.get(name);
  if (!g) {
    g = { name, position: { file, line: 1, col: 1 }, hosts: [], children: [], vars: {}, priority: 1 };
    defs.groups.set(name, g);
  }
  return g;
}
