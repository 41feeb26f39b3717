/**
 * Load a playbook file into Plays and TaskSpecs. Every problem — YAML syntax, duplicate
 * keys, keyword types, unknown modules, module arguments, template syntax, notify without
 * a handler — is collected and thrown as one ValidationError, each with file:line:col.
 * Arguments stay raw: they are rendered per host at run time.
 */
import { sortByPosition, ValidationError, type Diagnostic } from '../errors.ts';
import type { TaskModule } from '../module/task.ts';
import { schemaDiagnostics, validatorFor } from '../source/schema-check.ts';
import { loadYamlFile, type YamlPath } from '../source/yaml-source.ts';
import { checkTemplates, hasKey, isMapping, mergeAlternatives, optionalBool, optionalString, relabel, stringList } from './load-common.ts';
import { buildTaskList, varsFiles } from './load-include.ts';
import { buildTask, type LoadContext } from './load-task.ts';
import { playbookSchema, playSchema } from './schema.ts';
import { leafTasks, type Play, type PlayItem, type Playbook } from './types.ts';

export function loadPlaybook(file: string, registry: Record<string, TaskModule>): Playbook {
  const source = loadYamlFile(file);
  if (source.diagnostics.length) throw new ValidationError(source.diagnostics);
  if (source.value === null || source.value === undefined) {
    throw new ValidationError([{ file, line: 1, col: 1, message: 'the playbook is empty: expected a list of plays' }]);
  }
  const ctx: LoadContext = { source, registry, diagnostics: schemaDiagnostics(validatorFor(playbookSchema), source.value, source) };
  if (!Array.isArray(source.value)) throw new ValidationError(ctx.diagnostics, source.warnings);
  const plays: Play[] = [];
  source.value.forEach((raw, i) => {
    const play = buildPlay(raw, [i], ctx);
    if (play) plays.push(play);
  });
  if (ctx.diagnostics.length) throw new ValidationError(sortByPosition(ctx.diagnostics), source.warnings);
  return { file, plays, ...(source.warnings.length ? { warnings: source.warnings } : {}) };
}

function buildPlay(raw: unknown, path: YamlPath, ctx: LoadContext): Play | undefined {
  const { source } = ctx;
  const shown = [`play ${Number(path[0]) + 1}`];
  ctx.diagnostics.push(...mergeAlternatives(schemaDiagnostics(validatorFor(playSchema), raw, relabel(source, path, shown), shown)));
  if (!isMapping(raw)) return undefined;
  for (const keyword of ['name', 'hosts', 'become_user', 'vars']) {
    if (hasKey(raw, keyword)) checkTemplates(raw[keyword], [...path, keyword], ctx);
  }
  const playTags = stringList(raw.tags);
  const buildAll = (section: 'tasks' | 'handlers'): PlayItem[] => {
    const list = Array.isArray(raw[section]) ? (raw[section] as unknown[]) : [];
    const isHandler = section === 'handlers';
    return buildTaskList(list, [...path, section], ctx, (task, at, c) => buildTask(task, at, isHandler, playTags, c), isHandler);
  };
  const tasks = buildAll('tasks');
  // A block of handlers is a way of giving them keywords together: its tasks are the handlers.
  const handlers = leafTasks(buildAll('handlers'));
  checkNotify(raw, path, ctx);

  // Ansible joins a list of host patterns as a union.
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.map(String).join(':') : String(raw.hosts ?? '');
  const play: Play = {
    name: optionalString(raw.name) ?? hosts,
    hosts,
    // vars_files override play vars, as in Ansible's variable precedence.
    vars: { ...(isMapping(raw.vars) ? raw.vars : {}), ...varsFiles(raw, path, ctx) },
    tasks,
    handlers,
    anyErrorsFatal: raw.any_errors_fatal === true,
    position: source.positionOf(path),
  };
  if (raw.serial !== undefined && raw.serial !== null) play.serial = (Array.isArray(raw.serial) ? raw.serial : [raw.serial]) as Array<number | string>;
  if (typeof raw.max_fail_percentage === 'number') play.maxFailPercentage = raw.max_fail_percentage;
  const become = optionalBool(raw.become);
  if (become !== undefined) play.become = become;
  const becomeUser = optionalString(raw.become_user);
  if (becomeUser !== undefined) play.becomeUser = becomeUser;
  return play;
}

/** Every entry of a task list with its path, blocks opened (the block entry itself included). */
function rawEntries(list: unknown, path: YamlPath): Array<[Record<string, unknown>, YamlPath]> {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, i): Array<[Record<string, unknown>, YamlPath]> => {
    if (!isMapping(entry)) return [];
    const at = [...path, i];
    return [[entry, at], ...(['block', 'rescue', 'always'] as const).flatMap((k) => rawEntries(entry[k], [...at, k]))];
  });
}

/** Every notify (in tasks, blocks and handlers) must name a handler of the same play, or a topic one listens to. */
function checkNotify(raw: Record<string, unknown>, path: YamlPath, ctx: LoadContext): void {
  const topics = new Set<string>();
  for (const [h] of rawEntries(raw.handlers, [...path, 'handlers'])) {
    if (typeof h.name === 'string' && !('block' in h)) topics.add(h.name);
    for (const t of stringList(h.listen)) topics.add(t);
  }
  for (const section of ['tasks', 'handlers'] as const) {
    for (const [task, at] of rawEntries(raw[section], [...path, section])) {
      const notify = task.notify;
      const entries: Array<[string, YamlPath]> =
        typeof notify === 'string'
          ? [[notify, [...at, 'notify']]]
          : Array.isArray(notify)
            ? notify.flatMap((n, j): Array<[string, YamlPath]> => (typeof n === 'string' ? [[n, [...at, 'notify', j]]] : []))
            : [];
      for (const [name, where] of entries) {
        if (topics.has(name)) continue;
        const known = topics.size ? `; handlers: ${[...topics].join(', ')}` : '; this play has no handlers';
        ctx.diagnostics.push({ ...ctx.source.positionOf(where), message: `notify: no handler named or listening to "${name}"${known}` });
      }
    }
  }
}
