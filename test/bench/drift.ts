/** Bench figures of `provision drift` on an installed simulated cluster: time and commands per host. */
import { performance } from 'node:perf_hooks';
import type { Cluster } from '../lab/cluster.ts';
import { runDrift } from '../../src/drift/run.ts';

const flags = { check: false, diff: false, forks: 5, json: false, verbose: 0, extraVars: {}, help: false };

export async function benchDrift(cluster: Cluster, record: (name: string, value: string) => void): Promise<void> {
  const samples: number[] = [];
  let commands: Record<string, number> = {};
  for (let i = 0; i < 3; i++) {
    commands = {};
    const start = performance.now();
    await runDrift({ inventoryFile: cluster.inventoryFile, flags, fix: false, observer: (host) => void (commands[host] = (commands[host] ?? 0) + 1) });
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const nodes = cluster.lab.nodes.length;
  record(`drift, ${nodes} nodes in sync (median of 3)`, `${samples[1].toFixed(1)} ms`);
  record('drift, commands per host (kubectl host +1)', Object.entries(commands).map(([h, n]) => `${h}=${n}`).join(' '));
  const bin = `${cluster.dataDir}/data/cni`;
  await cluster.lab.exec('node2', `cp "$(readlink ${bin}/cni)" ${bin}/.hl && mv -f ${bin}/.hl ${bin}/host-local`);
  const start = performance.now();
  const fixed = await runDrift({ inventoryFile: cluster.inventoryFile, flags, fix: true });
  record('drift --fix, host-local replaced on 1 node', `${(performance.now() - start).toFixed(1)} ms (exit ${fixed.outcome.exit_code})`);
}
