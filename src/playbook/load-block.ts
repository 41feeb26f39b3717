/**
 * `block` / `rescue` / `always` entries of a task list. A block's keywords reach its tasks
 * as ansible-core 2.14 passes them down (lib/ansible/playbook/base.py
 * `_get_parent_attribute`, lib/ansible/playbook/block.py): the block's `when` comes before
 * the task's own, tags are the union, the task's `vars` override the block's, and for
 * every other keyword the task's own value wins, else the nearest block's. The merge is
 * done here, once; the engine reads a block only for where rescue and always begin.
 */
import { schemaDiagnostics, validatorFor } from '../source/schema-check.ts';
import type { YamlPath } from '../source/yaml-source.ts';
import { checkConditions, checkTemplates, hasKey, isMapping, mergeAlternatives, optionalBool, optionalString, relabel, stringList } from './load-common.ts';
import type { LoadContext } from './load-task.ts';
import { taskKeywordSchemas } from './schema.ts';
import type { BlockSpec, Condition, PlayItem, TaskSpec } from './types.ts';

/** What a block hands down to the tasks under it (nearest block first merged over outer ones). */
export interface Inherited {
  when?: Condition;
  tags: string[];
  vars: Record<string, unknown>;
  become?: boolean | string;
  becomeUser?: string;
  delegateTo?: string;
  ignoreErrors?: boolean;
  noLog?: boolean;
  anyErrorsFatal?: boolean;
  runOnce?: boolean;
  notify?: string[];
}

const SECTIONS = ['block', 'rescue', 'always'] as const;

const INHERITED_KEYWORDS = ['name', 'when', 'tags', 'vars', 'become', 'become_user', 'delegate_to', 'ignore_errors', 'no_log', 'any_errors_fatal', 'run_once', 'notify'];

export const blockKeywordSchemas = {
  ...Object.fromEntries(INHERITED_KEYWORDS.map((k) => [k, taskKeywordSchemas[k]])),
  block: { type: 'array', description: 'The tasks (or blocks) of the block, run in order; a failure sends the host to `rescue`.' },
  rescue: { type: 'array', description: 'Tasks run on the hosts that failed in `block`; when they succeed the host is no longer failed (counted `rescued`).' },
  always: { type: 'array', description: 'Tasks run on every host that entered the block, whether it failed, was rescued or succeeded.' },
};

const BLOCK_KEYWORDS = new Set(Object.keys(blockKeywordSchemas));
const blockValidator = () => validatorFor({ type: 'object', properties: blockKeywordSchemas, additionalProperties: true });

/** A task-list entry that is a block, or a stray rescue/always. */
export function isBlockEntry(raw: unknown): raw is Record<string, unknown> {
  return isMapping(raw) && SECTIONS.some((k) => hasKey(raw, k));
}

export function joinConditions(outer: Condition | undefined, inner: Condition | undefined): Condition | undefined {
  if (outer === undefined) return inner;
  if (inner === undefined) return outer;
  const list = (c: Condition): Array<string | boolean> => (Array.isArray(c) ? c : [c]);
  return [...list(outer), ...list(inner)];
}

/** The block's own keywords merged over what it inherits. */
function handedDown(raw: Record<string, unknown>, outer: Inherited): Inherited {
  const own = (key: string): boolean => hasKey(raw, key) && raw[key] !== null;
  const next: Inherited = {
    ...outer,
    tags: [...new Set([...outer.tags, ...stringList(raw.tags)])],
    vars: { ...outer.vars, ...(isMapping(raw.vars) ? raw.vars : {}) },
  };
  const when = joinConditions(outer.when, own('when') ? (raw.when as Condition) : undefined);
  if (when !== undefined) next.when = when;
  if (own('become')) next.become = typeof raw.become === 'string' ? raw.become : raw.become === true;
  if (own('become_user')) next.becomeUser = optionalString(raw.become_user);
  if (own('delegate_to')) next.delegateTo = optionalString(raw.delegate_to);
  if (own('ignore_errors')) next.ignoreErrors = optionalBool(raw.ignore_errors);
  if (own('no_log')) next.noLog = optionalBool(raw.no_log);
  if (own('any_errors_fatal')) next.anyErrorsFatal = optionalBool(raw.any_errors_fatal);
  if (own('run_once')) next.runOnce = optionalBool(raw.run_once);
  if (own('notify')) next.notify = stringList(raw.notify);
  return next;
}

/** A task built from `raw`, given what its blocks hand down: its own keywords win. */
export function applyInherited(spec: TaskSpec, raw: Record<string, unknown>, from: Inherited | undefined): TaskSpec {
  if (!from) return spec;
  const own = (key: string): boolean => hasKey(raw, key) && raw[key] !== null;
  const out: TaskSpec = { ...spec, tags: [...new Set([...spec.tags, ...from.tags])], vars: { ...from.vars, ...spec.vars } };
  const when = joinConditions(from.when, spec.when);
  if (when !== undefined) out.when = when;
  if (!own('become') && from.become !== undefined) out.become = from.become;
  if (!own('become_user') && from.becomeUser !== undefined) out.becomeUser = from.becomeUser;
  if (!own('delegate_to') && from.delegateTo !== undefined) out.delegateTo = from.delegateTo;
  if (!own('ignore_errors') && from.ignoreErrors !== undefined) out.ignoreErrors = from.ignoreErrors;
  if (!own('no_log') && from.noLog !== undefined) out.noLog = from.noLog;
  if (!own('any_errors_fatal') && from.anyErrorsFatal !== undefined) out.anyErrorsFatal = from.anyErrorsFatal;
  if (!own('run_once') && from.runOnce !== undefined) out.runOnce = from.runOnce;
  if (!own('notify') && from.notify !== undefined) out.notify = from.notify;
  return out;
}

type BuildList = (list: unknown[], path: YamlPath, ctx: LoadContext) => PlayItem[];

/** One block entry → BlockSpec, its sections built by `buildList` with the merged keywords. */
export function buildBlock(raw: Record<string, unknown>, path: YamlPath, ctx: LoadContext, buildList: BuildList, isHandler: boolean): BlockSpec | undefined {
  const { source, diagnostics } = ctx;
  const shown = [...path.slice(0, -1), `block ${Number(path[path.length - 1]) + 1}`];
  diagnostics.push(...mergeAlternatives(schemaDiagnostics(blockValidator(), raw, relabel(source, path, shown), shown)));
  if (!hasKey(raw, 'block')) {
    const stray = SECTIONS.find((k) => hasKey(raw, k))!;
    diagnostics.push({ ...source.positionOf([...path, stray], { key: true }), message: `"${stray}" is only valid in a block: add "block:" with the tasks it follows` });
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (BLOCK_KEYWORDS.has(key)) continue;
    diagnostics.push({
      ...source.positionOf([...path, key], { key: true }),
      message: `"${key}" is not valid on a block; a block takes ${[...BLOCK_KEYWORDS].join(', ')} (modules go in its tasks)`,
    });
  }
  if (isHandler) {
    for (const key of ['rescue', 'always'] as const) {
      if (hasKey(raw, key)) diagnostics.push({ ...source.positionOf([...path, key], { key: true }), message: `"${key}" is not supported in handlers` });
    }
  }
  if (hasKey(raw, 'when')) checkConditions(raw.when, [...path, 'when'], ctx);
  for (const keyword of ['name', 'delegate_to', 'become', 'become_user', 'vars']) {
    if (hasKey(raw, keyword)) checkTemplates(raw[keyword], [...path, keyword], ctx);
  }
  const inner: LoadContext = { ...ctx, inherited: handedDown(raw, ctx.inherited ?? { tags: [], vars: {} }) };
  const section = (key: (typeof SECTIONS)[number]): PlayItem[] => (Array.isArray(raw[key]) ? buildList(raw[key] as unknown[], [...path, key], inner) : []);
  const block: BlockSpec = { kind: 'block', block: section('block'), rescue: section('rescue'), always: section('always'), position: source.positionOf(path) };
  const name = optionalString(raw.name);
  if (name !== undefined) block.name = name;
  return block;
}
