/** `npm run bench -- [--nodes N] [--reps R] [--scale-nodes M]` (pure). */
import { parseArgs } from 'node:util';

export interface BenchArgs {
  /** Lab nodes for the side-by-side comparison and the installs. */
  nodes: number;
  /** Repetitions of each contender (at least 3). */
  reps: number;
  /** The larger lab drift is also timed on (peak RSS, growth); 0 skips it. */
  scaleNodes: number;
}

const positive = (name: string, value: string | undefined, fallback: number, min: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
};

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: { nodes: { type: 'string' }, reps: { type: 'string' }, 'scale-nodes': { type: 'string' } },
    strict: true,
  });
  const scale = values['scale-nodes'];
  return {
    nodes: positive('nodes', values.nodes, 20, 1),
    reps: positive('reps', values.reps, 3, 3),
    scaleNodes: scale === '0' ? 0 : positive('scale-nodes', scale, 100, 1),
  };
}
