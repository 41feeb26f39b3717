/**
 * kubectl_apply: server-side apply of a manifest, fed to kubectl on stdin. Changed only
 * when the cluster's objects really changed: the objects are read first and their
 * resourceVersions compared with the apply's output. Check mode runs a server-side dry
 * run instead (the server validates and defaults, stores nothing).
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import { changed, failed, ok, type TaskResult, type TaskModule } from '../../src/module/task.ts';
import { applyOutcome, describeOutcome, type ApplyOutcome } from './apply-outcome.ts';
import { parseKubectlObjects, type KubeObject } from './objects.ts';
import {
  kubectlAccessProperties,
  kubectlCommand,
  kubectlError,
  kubectlPrefix,
  manifestSourceProperties,
  manifestText,
} from './kubectl.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...manifestSourceProperties,
    field_manager: {
      type: 'string',
      minLength: 1,
      default: 'provision',
      description: 'Server-side apply field manager: the owner recorded for every field the manifest sets.',
    },
    force_conflicts: {
      type: 'boolean',
      default: false,
      description: 'Take over fields another field manager owns instead of failing on the conflict.',
    },
    ...kubectlAccessProperties,
  },
  oneOf: [{ required: ['manifest'] }, { required: ['src'] }],
} as const satisfies ArgsSchema;

export type KubectlApplyArgs = ArgsOf<typeof schema>;

/** `get -f -`: the objects of the manifest as the cluster has them now (absent ones left out). */
export const CURRENT_OBJECTS_WORDS = ['get', '-f', '-', '-o', 'json', '--ignore-not-found'];

export function applyWords(args: KubectlApplyArgs, dryRun: boolean): string[] {
  return [
    'apply',
    '--server-side',
    `--field-manager=${args.field_manager ?? 'provision'}`,
    ...(args.force_conflicts ? ['--force-conflicts'] : []),
    ...(dryRun ? ['--dry-run=server'] : []),
    '-o',
    'json',
    '-f',
    '-',
  ];
}

function parsed(result: ExecResult): KubeObject[] | string {
  try {
    return parseKubectlObjects(result.stdout);
  } catch (err) {
    return (err as Error).message;
  }
}

export const kubectlApply: TaskModule<KubectlApplyArgs> = {
  name: 'kubectl_apply',
  description:
    'Server-side applies a manifest (`manifest` inline or the control-machine file `src`), sent to kubectl on stdin. Changed only when an object was created or its resourceVersion moved, so applying the same manifest again reports ok; `msg` and `objects` say created / configured / unchanged per object, and `--diff` shows the changed objects before and after. Check mode runs a server-side dry run (validated and defaulted by the API server, stored nowhere) and compares it with the live objects. Runs `k3s kubectl` on the host it is given, or kubectl with `kubeconfig`; delegate it to one host with `run_once`.',
  schema,
  examples: [
    `- name: Apply the Multus manifest
  kubectl_apply:
    manifest: "{{ multus_manifest }}"
  delegate_to: "{{ kubectl_host }}"
  run_once: true
  become: "{{ kubeconfig is not defined }}"`,
    `- name: A secondary network
  kubectl_apply:
    src: files/ipvlan-nad.yaml
    kubeconfig: ~/.kube/k3s.yaml
    force_conflicts: true
  delegate_to: localhost
  run_once: true`,
  ],
  async run(args, ctx) {
    const source = await manifestText(args, ctx);
    if ('error' in source) return failed(source.error);
    const prefix = kubectlPrefix(args, ctx.vars);

    const before = await ctx.read(kubectlCommand(prefix, CURRENT_OBJECTS_WORDS), { stdin: source.text });
    if (before.exitCode !== 0) return failed(`cannot read the current objects: ${kubectlError(before)}`);
    const current = parsed(before);
    if (typeof current === 'string') return failed(current);

    if (ctx.check) {
      const dry = await ctx.read(kubectlCommand(prefix, applyWords(args, true)), { stdin: source.text });
      if (dry.exitCode !== 0) return failed(`server-side dry run failed: ${kubectlError(dry)}`);
      const predicted = parsed(dry);
      if (typeof predicted === 'string') return failed(predicted);
      return result(applyOutcome(current, predicted, 'content'), true, ctx.diff);
    }

    const applied = await ctx.change(kubectlCommand(prefix, applyWords(args, false)), { stdin: source.text });
    const objects = parsed(applied);
    if (applied.exitCode !== 0) {
      // Some objects may have been applied before the failure: say so rather than hide it.
      const partly = typeof objects !== 'string' && objects.length > 0 ? applyOutcome(current, objects, 'resourceVersion') : undefined;
      const error = kubectlError(applied);
      const owners = conflictManagers(error);
      const help = owners.length
        ? `; these objects were created or changed by ${owners.map((o) => JSON.stringify(o)).join(', ')} (another tool: kubectl apply, Helm, an operator), and apply takes over their fields only when asked: force_conflicts (install: --force-conflicts or -e multus_force_conflicts=true)`
        : '';
      return {
        ...failed(`kubectl apply failed: ${error}${help}`, partly ? { objects: partly.objects, ...(owners.length ? { conflicting_managers: owners } : {}) } : owners.length ? { conflicting_managers: owners } : undefined),
        changed: partly?.changed ?? false,
      };
    }
    if (typeof objects === 'string') return failed(objects);
    return result(applyOutcome(current, objects, 'resourceVersion'), false, ctx.diff);
  },
};

/** The field managers a server-side apply conflicted with (`conflict with "helm" using apps/v1: .spec…`). */
export function conflictManagers(error: string): string[] {
  return [...new Set([...error.matchAll(/conflict with "([^"]+)"/g)].map((m) => m[1]))];
}

function result(outcome: ApplyOutcome, dryRun: boolean, diff: boolean): TaskResult {
  const msg = describeOutcome(outcome.objects, dryRun);
  const data = { objects: outcome.objects };
  if (!outcome.changed) return ok(msg, data);
  return changed(msg, diff ? { before: outcome.before, after: outcome.after } : undefined, data);
}
