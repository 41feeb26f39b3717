/**
 * Reading the two CNI files Multus and Flannel leave in K3s's net.d, shared by
 * multus_verify's checks and drift's: 00-multus.conf must be a JSON object, and
 * 10-flannel.conflist's `name` is what its `clusterNetwork` must name.
 */

/** The JSON object in `text`, or why it is none (JSON.parse's message, or `not a JSON object`). */
export function parseJsonObject(text: string): { object: Record<string, unknown> } | { problem: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return { object: parsed as Record<string, unknown> };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** A conflist's `name`, when it parses and has a string one. */
export function conflistName(text: string | null): string | undefined {
  if (text === null) return undefined;
  try {
    const name = (JSON.parse(text) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
