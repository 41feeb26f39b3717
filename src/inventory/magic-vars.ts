/**
 * The magic variables a host's own inventory entry gives it, as ansible-core 2.14
 * lib/ansible/inventory/host.py (Host.get_magic_vars) computes them.
 */
import { isIpAddress } from './address.ts';

/** `group_names`: every group of the host but `all`, sorted (`ungrouped` included). */
export function groupNames(groups: readonly string[]): string[] {
  return groups.filter((g) => g !== 'all').sort();
}

/** `inventory_hostname_short`: up to the first dot, except that an IP address stays whole. */
export function shortHostname(name: string): string {
  return isIpAddress(name) ? name : name.split('.')[0];
}
