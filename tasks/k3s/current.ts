/**
 * The modules that run after k3s_facts (backup, relink, verify) take its facts for the
 * data dir and the k3s command, then read the layout again at the moment they act: the
 * manifest's installers change the bin dir between preflight and relink.
 */
import type { ArgsOfProperties, ArgsSchema } from '../../src/module/args.ts';
import type { HostContext } from '../../src/module/task.ts';
import { dataDirProblem } from './layout.ts';
import { factsProblem, k3sFactsFromProbe, type K3sFacts, type K3sFactsOutcome } from './facts.ts';
import { k3sProbeFact, type K3sProbe } from './probe.ts';

export const k3sStateArgProperties = {
  k3s_data_dir: {
    type: 'string',
    minLength: 1,
    description: 'K3s data dir (`--data-dir`). Defaults to the one k3s_facts found; when both are given they must agree.',
  },
  facts: {
    type: 'object',
    description: 'The facts k3s_facts set for this host: `"{{ k3s }}"`.',
  },
} as const;

/**
 * The schema of a module that runs after k3s_facts: `facts` required, `k3s_data_dir`
 * optional, then the module's own `properties`.
 */
export const k3sStateSchema = <const P extends Record<string, ArgsSchema>>(properties: P) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['facts'],
    properties: { ...k3sStateArgProperties, ...properties },
  }) as const;

/**
 * A module's arguments with `facts` as k3s_facts makes them: the schema only says
 * `object`, because their shape is checked by factsProblem when the module runs.
 */
export type WithK3sFacts<A> = Omit<A, 'facts'> & { facts: K3sFacts };

export type K3sStateArgs = WithK3sFacts<ArgsOfProperties<typeof k3sStateArgProperties>>;

export type CurrentK3s =
  | { ok: true; probe: K3sProbe; outcome: K3sFactsOutcome }
  | { ok: false; problem: string };

export async function readCurrentK3s(ctx: HostContext, args: K3sStateArgs): Promise<CurrentK3s> {
  const bad = factsProblem(args.facts);
  if (bad) return { ok: false, problem: bad };
  const dataDir = args.k3s_data_dir ?? args.facts.data_dir;
  const dirProblem = dataDirProblem(dataDir);
  if (dirProblem) return { ok: false, problem: `k3s_data_dir ${dirProblem}` };
  if (args.k3s_data_dir !== undefined && args.k3s_data_dir !== args.facts.data_dir) {
    return {
      ok: false,
      problem: `k3s_data_dir ${args.k3s_data_dir} differs from the data dir k3s_facts found (${args.facts.data_dir}); gather facts with the same k3s_data_dir`,
    };
  }
  const probe = await ctx.fact(k3sProbeFact({ dataDir, binary: args.facts.binary }));
  return { ok: true, probe, outcome: k3sFactsFromProbe(probe) };
}

/** The fresh facts, or the reason there are none (a node that no longer passes preflight). */
export async function readCurrentFacts(ctx: HostContext, args: K3sStateArgs): Promise<{ facts: K3sFacts } | { problem: string }> {
  const current = await readCurrentK3s(ctx, args);
  if (!current.ok) return { problem: current.problem };
  if (!current.outcome.ok) return { problem: current.outcome.problems.join('; ') };
  return { facts: current.outcome.facts };
}
