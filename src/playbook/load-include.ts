/**
 * Files a play names: `vars_files` (mappings of variables) and `import_tasks` /
 * `include_tasks` (a list of tasks). Both are read at load time, relative to the playbook's
 * directory, so their problems are reported with the others, at their own file:line:col.
 * An included file's tasks are placed where the include stands, each taking the
 * include's `when` (before its own) and `tags`, as Ansible's import does; include_tasks
 * of a fixed file behaves the same, since its `when` holds for all its tasks alike.
 */
import { dirname, resolve } from 'node:path';
import { loadYamlFile, type YamlPath } from '../source/yaml-source.ts';
import { isMapping, stringList } from './load-common.ts';
import { buildBlock, isBlockEntry, joinConditions } from './load-block.ts';
import type { LoadContext } from './load-task.ts';
import type { Condition, PlayItem, TaskSpec } from './types.ts';

export const INCLUDE_KEYS = ['import_tasks', 'include_tasks', 'ansible.builtin.import_tasks', 'ansible.builtin.include_tasks'];
// Includes inside includes: deeper than this is a cycle.
const MAX_INCLUDE_DEPTH = 16;

const baseDir = (ctx: LoadContext): string => dirname(ctx.source.file);

/** A file named at `path`; undefined (with a diagnostic) when it is templated or unreadable. */
function namedFile(value: unknown, path: YamlPath, what: string, ctx: LoadContext, dir: string): string | undefined {
  if (typeof value !== 'string' || value === '') {
    ctx.diagnostics.push({ ...ctx.source.positionOf(path), message: `${what}: expected a file name` });
    return undefined;
  }
  if (value.includes('{{')) {
    ctx.diagnostics.push({ ...ctx.source.positionOf(path), message: `${what}: a templated file name is not supported; name the file` });
    return undefined;
  }
  return resolve(dir, value);
}

/** The variables of every vars_files entry, later files overriding earlier ones. */
export function varsFiles(raw: Record<string, unknown>, path: YamlPath, ctx: LoadContext): Record<string, unknown> {
  if (raw.vars_files === undefined || raw.vars_files === null) return {};
  const entries = Array.isArray(raw.vars_files) ? raw.vars_files : [raw.vars_files];
  const where = (i: number): YamlPath => (Array.isArray(raw.vars_files) ? [...path, 'vars_files', i] : [...path, 'vars_files']);
  const merged: Record<string, unknown> = {};
  entries.forEach((entry, i) => {
    const file = namedFile(entry, where(i), 'vars_files', ctx, baseDir(ctx));
    if (!file) return;
    const source = loadYamlFile(file);
    if (source.diagnostics.length) {
      ctx.diagnostics.push(...source.diagnostics);
      return;
    }
    if (source.value === null || source.value === undefined) return;
    if (!isMapping(source.value)) {
      ctx.diagnostics.push({ file, line: 1, col: 1, message: 'vars_files: expected a mapping of variables' });
      return;
    }
    Object.assign(merged, source.value);
  });
  return merged;
}

type BuildOne = (raw: unknown, path: YamlPath, ctx: LoadContext) => TaskSpec | undefined;

/** The tasks of a list: blocks built, includes replaced by the tasks of their files. */
export function buildTaskList(list: unknown[], path: YamlPath, ctx: LoadContext, buildOne: BuildOne, isHandler: boolean, depth = 0): PlayItem[] {
  const buildList = (inner: unknown[], at: YamlPath, c: LoadContext): PlayItem[] => buildTaskList(inner, at, c, buildOne, isHandler, depth);
  return list.flatMap((raw, i): PlayItem[] => {
    if (isBlockEntry(raw)) {
      const block = buildBlock(raw, [...path, i], ctx, buildList, isHandler);
      return block ? [block] : [];
    }
    const key = isMapping(raw) ? INCLUDE_KEYS.find((k) => k in raw) : undefined;
    if (!key || !isMapping(raw)) {
      const task = buildOne(raw, [...path, i], ctx);
      return task ? [task] : [];
    }
    return included(raw, key, [...path, i], ctx, buildOne, isHandler, depth);
  });
}

function included(raw: Record<string, unknown>, key: string, path: YamlPath, ctx: LoadContext, buildOne: BuildOne, isHandler: boolean, depth: number): PlayItem[] {
  const allowed = new Set([key, 'name', 'when', 'tags']);
  for (const k of Object.keys(raw)) {
    if (!allowed.has(k)) ctx.diagnostics.push({ ...ctx.source.positionOf([...path, k], { key: true }), message: `"${k}" is not supported on ${key}; only name, when and tags` });
  }
  if (depth >= MAX_INCLUDE_DEPTH) {
    ctx.diagnostics.push({ ...ctx.source.positionOf([...path, key]), message: `${key}: included more than ${MAX_INCLUDE_DEPTH} deep; do the files include each other?` });
    return [];
  }
  const file = namedFile(raw[key], [...path, key], key, ctx, baseDir(ctx));
  if (!file) return [];
  const source = loadYamlFile(file);
  if (source.diagnostics.length) {
    ctx.diagnostics.push(...source.diagnostics);
    return [];
  }
  if (source.value === null || source.value === undefined) return [];
  if (!Array.isArray(source.value)) {
    ctx.diagnostics.push({ file, line: 1, col: 1, message: `${key}: expected a list of tasks` });
    return [];
  }
  // The include hands its when and tags down as a block does, after those of its blocks.
  const outer = ctx.inherited ?? { tags: [], vars: {} };
  const when = joinConditions(outer.when, raw.when === null ? undefined : (raw.when as Condition | undefined));
  const inherited = { ...outer, tags: [...new Set([...outer.tags, ...stringList(raw.tags)])], ...(when !== undefined ? { when } : {}) };
  const inner: LoadContext = { ...ctx, source, inherited };
  return buildTaskList(source.value, [], inner, buildOne, isHandler, depth + 1);
}
