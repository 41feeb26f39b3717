/**
 * A large inventory: 5,000 hosts in 200 groups (25 each, nested under 20 parent groups,
 * with group and host variables), loaded and validated by the real loader, then a few
 * `--limit` patterns resolved, timed in this process; and `provision validate -i` on it
 * as a whole process (which also validates the bundled playbooks).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { loadInventory } from '../../src/inventory/load.ts';

export const SCALE_HOSTS = 5000;
export const SCALE_GROUPS = 200;
export const LIMIT_PATTERNS = ['zone3', 'group1*:&zone1:!group12', 'node-17-*', '~node-1[0-9]-2[0-4]$', 'all:!zone0'];

export function writeScaleInventory(dir: string): string {
  const perGroup = SCALE_HOSTS / SCALE_GROUPS;
  const zones: Record<string, { children: Record<string, unknown>; vars: Record<string, unknown> }> = {};
  for (let g = 0; g < SCALE_GROUPS; g++) {
    const hosts: Record<string, unknown> = {};
    for (let h = 0; h < perGroup; h++) {
      hosts[`node-${g}-${h}`] = { ansible_host: `10.${g >> 2}.${(g & 3) * 64 + (h >> 2)}.${(h & 3) + 1}`, ansible_port: 22, rack: `r${h % 4}` };
    }
    const zone = `zone${g % 20}`;
    zones[zone] ??= { children: {}, vars: { zone_name: zone } };
    zones[zone].children[`group${g}`] = { hosts, vars: { group_index: g } };
  }
  const file = join(dir, 'inventory-5000.yaml');
  writeFileSync(file, stringify({ all: { vars: { ansible_user: 'root' }, children: zones } }));
  return file;
}

export interface ScaleTiming {
  loadMs: number;
  selectMs: number;
  hosts: number;
  selected: number[];
}

export function timeScaleInventory(file: string): ScaleTiming {
  const start = performance.now();
  const inventory = loadInventory(file);
  const loaded = performance.now();
  const selected = LIMIT_PATTERNS.map((p) => inventory.select(p).length);
  return { loadMs: loaded - start, selectMs: performance.now() - loaded, hosts: inventory.hosts.length, selected };
}
