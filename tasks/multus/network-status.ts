/**
 * Multus's `k8s.v1.cni.cncf.io/network-status` pod annotation, parsed. Pure; tested from
 * recorded annotations.
 */
export const NETWORK_STATUS_ANNOTATION = 'k8s.v1.cni.cncf.io/network-status';
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

export interface NetworkStatusEntry {
  name: string;
  interface?: string;
  ips: string[];
  default: boolean;
}

export function parseNetworkStatus(annotation: string | undefined): NetworkStatusEntry[] {
  if (!annotation) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string')
    .map((e) => ({
      name: e.name as string,
      ...(typeof e.interface === 'string' ? { interface: e.interface } : {}),
      ips: Array.isArray(e.ips) ? e.ips.filter((ip): ip is string => typeof ip === 'string') : [],
      default: e.default === true,
    }));
}

/** The attachment of `network` (`ns/name`) on interface `iface` that got an address. */
export function attachedInterface(entries: NetworkStatusEntry[], network: string, iface = 'net1'): NetworkStatusEntry | undefined {
  return entries.find((e) => e.name === network && e.interface === iface && e.ips.length > 0);
}
