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

/** Group cycles, each positioned. */
export function groupGraphDiagnostics(defs: InventoryDefs): Diagnostic[] {
  return cycleDiagnostics(defs);
}

/**
 * A host and a group of the same name: Ansible warns and keeps both (ansible-core 2.14
 * lib/ansible/inventory/data.py, reconcile_inventory: "Found both group and host with same
 * name"); a pattern of that name then means the host (manager.py, _evaluate_patterns: a host name is looked up first).
 */
export function groupGraphWarnings(defs: InventoryDefs): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const g of defs.groups.values()) {
    const host = defs.hosts.get(g.name);
    if (host) warnings.push({ ...g.position, message: `"${g.name}" is both a group and a host (host at line ${host.position.line}); a pattern "${g.name}" means the host (as in Ansible)` });
  }
  return warnings;
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

/**
 * Explicit children, in the order added. `all`'s are `ungrouped` first (InventoryData's
 * constructor adds it), then the ones the file lists under it, then every group that has
 * no parent of its own, in the order the file introduces them (reconcile_inventory).
 */
function childrenOf(defs: InventoryDefs, g: GroupDef): GroupDef['children'] {
  if (g.name !== ALL) return g.children;
  const ungrouped = defs.groups.get(UNGROUPED);
  const first = ungrouped ? [{ name: UNGROUPED, position: ungrouped.position }] : [];
  const explicit = new Set(g.children.map((c) => c.name));
  const orphans = [...defs.groups.values()]
    .filter((o) => o.name !== ALL && o.name !== UNGROUPED && !explicit.has(o.name) && !hasParent(defs, o.name))
    .map((o) => ({ name: o.name, position: o.position }));
  return [...first, ...g.children.filter((c) => c.name !== UNGROUPED), ...orphans];
}

function hasParent(defs: InventoryDefs, name: string): boolean {
  for (const g of defs.groups.values()) if (g.children.some((c) => c.name === name)) return true;
  return false;
}

/** Membership, merged vars and Ansible's host order. Only call on a graph without cycles. */
export function resolveInventory(defs: InventoryDefs, file: string): ResolvedInventory {
  const all = ensureGroup(defs, ALL, file);
  const ungrouped = ensureGroup(defs, UNGROUPED, file);
  // Hosts that belong to no group but `all` make up the implicit `ungrouped` group, in the
  // order the hosts were created; a host listed under `ungrouped` and in another group is
  // taken out of it (data.py, reconcile_inventory).
  const directGroups = new Map<string, Set<string>>();
  for (const h of defs.hosts.keys()) directGroups.set(h, new Set());
  for (const g of defs.groups.values()) for (const h of g.hosts) directGroups.get(h)!.add(g.name);
  const elsewhere = (h: string) => [...directGroups.get(h)!].some((name) => name !== ALL && name !== UNGROUPED);
  ungrouped.hosts = ungrouped.hosts.filter((h) => !elsewhere(h));
  for (const h of defs.hosts.keys()) {
    if (elsewhere(h) || ungrouped.hosts.includes(h)) continue;
    // data.py add_child looks the name up among groups first: an ungrouped host that shares
    // its name with a group puts that group, not the host, under `ungrouped`.
    if (defs.groups.has(h)) {
      if (!ungrouped.children.some((c) => c.name === h)) ungrouped.children.push({ name: h, position: ungrouped.position });
    } else ungrouped.hosts.push(h);
  }
  for (const h of ungrouped.hosts) directGroups.get(h)!.add(UNGROUPED);

  const children = new Map<string, string[]>();
  for (const g of defs.groups.values()) children.set(g.name, childrenOf(defs, g).map((c) => c.name));
  const parents = new Map<string, string[]>();
  for (const g of defs.groups.values()) parents.set(g.name, []);
  for (const [name, kids] of children) for (const c of kids) parents.get(c)!.push(name);

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
    const ordered = [...member].map((name) => defs.groups.get(name)!).sort(precedence);
    const vars: Record<string, unknown> = {};
    for (const g of ordered) Object.assign(vars, g.vars);
    Object.assign(vars, h.vars);
    hosts.push({ name: h.name, vars, groups: ordered.map((g) => g.name), position: h.position });
  }

  // Ansible's groups dictionary: `all` and `ungrouped` first (InventoryData creates them),
  // then groups in the order the file introduces them.
  const groups: Record<string, string[]> = { [ALL]: [], [UNGROUPED]: [] };
  for (const g of defs.groups.values()) groups[g.name] = groupHosts(defs, children, g.name);
  return { hosts, groups };
}

/**
 * A group's hosts in Ansible's order (group.py, Group.get_hosts): its own hosts as listed,
 * then each descendant group's, walking its children in the order they were added, then
 * their children, level by level; each host once. Ansible walks the levels below the
 * first through a set of groups, whose order Python does not define when several groups
 * of one level have children; provision takes them in the order the level lists them.
 */
function groupHosts(defs: InventoryDefs, children: Map<string, string[]>, name: string): string[] {
  const ordered = [name, ...children.get(name)!];
  const seen = new Set(ordered);
  let level = [...ordered];
  while (level.length) {
    const next: string[] = [];
    for (const g of level) {
      for (const c of children.get(g)!) {
        if (seen.has(c)) continue;
        seen.add(c);
        ordered.push(c);
        next.push(c);
      }
    }
    level = next;
  }
  const out: string[] = [];
  const taken = new Set<string>();
  for (const g of ordered) {
    for (const h of defs.groups.get(g)!.hosts) {
      if (taken.has(h)) continue;
      taken.add(h);
      out.push(h);
    }
  }
  return out;
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
