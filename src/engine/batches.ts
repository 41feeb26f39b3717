/**
 * `serial`: split a play's hosts into successive batches, as Ansible does. A list gives
 * successive batch sizes and its last entry repeats; percentages are of the play's hosts,
 * rounded down but never below one host.
 */
export function planBatches(hosts: string[], serial?: Array<number | string>): string[][] {
  if (!serial || serial.length === 0 || hosts.length === 0) return hosts.length ? [hosts] : [];
  const sizes = serial.map((s) => batchSize(s, hosts.length));
  const batches: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k, sizes.length - 1)];
    batches.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return batches;
}

function batchSize(spec: number | string, total: number): number {
  if (typeof spec === 'number') return spec <= 0 ? total : Math.min(spec, total);
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(spec);
  if (m) return Math.max(1, Math.floor((Number(m[1]) / 100) * total));
  const n = Number(spec);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), total) : total;
}

/** max_fail_percentage: Ansible aborts when the failed share *exceeds* the percentage. */
export function exceedsFailPercentage(failedCount: number, batchCount: number, maxFailPercentage?: number): boolean {
  if (maxFailPercentage === undefined || batchCount === 0) return false;
  return (failedCount / batchCount) * 100 > maxFailPercentage;
}
