/**
 * One task (or handler) mapping → TaskSpec: find its single module key, map free-form
 * arguments, validate the arguments with the module's schema and check every template.
 * Problems are pushed to the shared diagnostics list; nothing throws.
 */
import type { ValidateFunction } from 'ajv';
import type { Diagnostic } from '../errors.ts';
import type { TaskModule } from '../module/task.ts';
import { describeType, schemaDiagnostics, validatorFor } from '../source/schema-check.ts';
import type { YamlPath, YamlSource } from '../source/yaml-source.ts';
import { HANDLER_KEYWORDS, handlerSchema, TASK_KEYWORDS, taskSchema } from './schema.ts';
import { checkConditions, checkTemplates, hasKey, isMapping, mergeAlternatives, optionalBool, optionalString, relabel, stringList } from './load-common.ts';
import { templateTolerant } from '../template/tolerant.ts';
import type { Condition, LoopControl, TaskSpec } from './types.ts';
import { applyInherited, type Inherited } from './load-block.ts';

export interface LoadContext {
  source: YamlSource;
  registry: Record<string, TaskModule>;
  diagnostics: Diagnostic[];
  /** What the enclosing blocks (and includes) hand down to the tasks under them. */
  inherited?: Inherited;
}

const CONDITION_KEYWORDS = { when: 'when', until: 'until', failed_when: 'failedWhen', changed_when: 'changedWhen' } as const;

// Ansible keywords people will reach for; a clear "not supported" beats "unknown module".
const UNSUPPORTED_KEYWORDS = new Set([
  'with_items', 'with_dict', 'with_list',
  'include_role', 'import_role', 'environment', 'check_mode',
  'diff', 'async', 'poll', 'throttle', 'timeout', 'local_action', 'connection',
]);

const taskValidator = () => validatorFor(taskSchema);
const handlerValidator = () => validatorFor(handlerSchema);

/** A module whose schema does not compile is reported as a diagnostic, not thrown. */
function moduleValidator(module: TaskModule): ValidateFunction | Error {
  try {
    return validatorFor(module.schema);
  } catch (err) {
    return err as Error;
  }
}

/** `ansible.builtin.copy` is `copy`. */
export function moduleNameOf(key: string, registry: Record<string, TaskModule>): string | undefined {
  const name = key.replace(/^ansible\.builtin\./, '');
  return Object.prototype.hasOwnProperty.call(registry, name) ? name : undefined;
}

export function buildTask(raw: unknown, path: YamlPath, isHandler: boolean, playTags: string[], ctx: LoadContext): TaskSpec | undefined {
  const { source, registry, diagnostics } = ctx;
  const label = `${isHandler ? 'handler' : 'task'} ${Number(path[path.length - 1]) + 1}`;
  const shown = [...path.slice(0, -1), label];
  diagnostics.push(...mergeAlternatives(schemaDiagnostics(isHandler ? handlerValidator() : taskValidator(), raw, relabel(source, path, shown), shown)));
  if (!isMapping(raw)) return undefined;
  const keywords = isHandler ? HANDLER_KEYWORDS : TASK_KEYWORDS;
  const known = Object.keys(registry).sort().join(', ');
  const moduleKeys: string[] = [];
  let unknownKey = false;
  for (const key of Object.keys(raw)) {
    if (keywords.has(key)) continue;
    if (moduleNameOf(key, registry)) {
      moduleKeys.push(key);
      continue;
    }
    unknownKey = true;
    const at = source.positionOf([...path, key], { key: true });
    let message: string;
    if (key === 'listen') message = '"listen" is only valid in handlers';
    else if (UNSUPPORTED_KEYWORDS.has(key)) message = `"${key}" is an Ansible keyword that is not supported on tasks`;
    else message = `unknown module or keyword "${key}"; known modules: ${known}`;
    diagnostics.push({ ...at, message });
  }
  if (moduleKeys.length === 0) {
    if (!unknownKey) diagnostics.push({ ...source.positionOf(path), message: `task has no module; known modules: ${known}` });
    return undefined;
  }
  if (moduleKeys.length > 1) {
    diagnostics.push({
      ...source.positionOf([...path, moduleKeys[1]], { key: true }),
      message: `a task takes exactly one module, this one names ${moduleKeys.join(', ')}`,
    });
    return undefined;
  }
  const moduleKey = moduleKeys[0];
  const moduleName = moduleNameOf(moduleKey, registry)!;
  const module = registry[moduleName];
  const { args, valid } = moduleArgs(raw, path, moduleKey, module, ctx);

  for (const keyword of Object.keys(CONDITION_KEYWORDS)) {
    if (hasKey(raw, keyword)) checkConditions(raw[keyword], [...path, keyword], ctx);
  }
  for (const keyword of ['name', 'delegate_to', 'become', 'become_user', 'vars', 'loop', 'loop_control']) {
    if (hasKey(raw, keyword)) checkTemplates(raw[keyword], [...path, keyword], ctx);
  }
  const written = raw[moduleKey];
  const inline = isMapping(written) ? written : {};
  // A free-form string is checked where it is written: the module key's value.
  if (typeof written === 'string') checkTemplates(written, [...path, moduleKey], ctx);
  for (const [name, value] of Object.entries(args ?? {})) {
    if (typeof written === 'string' && name === module.freeForm) continue;
    // Arguments given under `args:` are reported where they are written.
    const where = hasKey(inline, name) ? [...path, moduleKey, name] : [...path, 'args', name];
    if (module.rawArgs?.includes(name)) checkConditions(value, where, ctx);
    else checkTemplates(value, where, ctx);
  }
  if (!args || !valid) return undefined;

  const spec: TaskSpec = {
    name: optionalString(raw.name) ?? defaultName(moduleName, raw[moduleKey], args),
    module: moduleName,
    args,
    runOnce: raw.run_once === true,
    tags: [...new Set([...playTags, ...stringList(raw.tags)])],
    ignoreErrors: raw.ignore_errors === true,
    notify: stringList(raw.notify),
    listen: stringList(raw.listen),
    vars: isMapping(raw.vars) ? { ...raw.vars } : {},
    position: source.positionOf(path),
  };
  for (const [keyword, field] of Object.entries(CONDITION_KEYWORDS)) {
    if (raw[keyword] !== undefined && raw[keyword] !== null) spec[field] = raw[keyword] as Condition;
  }
  assignDefined(spec, {
    register: optionalString(raw.register),
    become: typeof raw.become === 'string' ? raw.become : optionalBool(raw.become),
    becomeUser: optionalString(raw.become_user),
    delegateTo: optionalString(raw.delegate_to),
    retries: typeof raw.retries === 'number' ? raw.retries : undefined,
    delay: typeof raw.delay === 'number' ? raw.delay : undefined,
    noLog: optionalBool(raw.no_log),
    loop: raw.loop === null ? undefined : raw.loop,
    loopControl: loopControlOf(raw),
    anyErrorsFatal: optionalBool(raw.any_errors_fatal),
  });
  return applyInherited(spec, raw, ctx.inherited);
}

function loopControlOf(raw: Record<string, unknown>): LoopControl | undefined {
  if (raw.loop === undefined || raw.loop === null) return undefined;
  const lc = isMapping(raw.loop_control) ? raw.loop_control : {};
  const control: LoopControl = { loopVar: optionalString(lc.loop_var) ?? 'item' };
  const indexVar = optionalString(lc.index_var);
  const label = optionalString(lc.label);
  if (indexVar !== undefined) control.indexVar = indexVar;
  if (label !== undefined) control.label = label;
  return control;
}

function assignDefined(spec: TaskSpec, fields: Partial<TaskSpec>): void {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) Object.assign(spec, { [k]: v });
}

/** The module's arguments: free-form string mapped, `args:` merged under the inline ones, validated. */
function moduleArgs(
  raw: Record<string, unknown>,
  path: YamlPath,
  key: string,
  module: TaskModule,
  ctx: LoadContext,
): { args?: Record<string, unknown>; valid: boolean } {
  const { source, diagnostics } = ctx;
  const value = raw[key];
  const modulePath = [...path, key];
  let inline: Record<string, unknown>;
  if (value === null || value === undefined) inline = {};
  else if (typeof value === 'string' && module.freeForm) inline = { [module.freeForm]: value };
  else if (isMapping(value)) inline = { ...value };
  else {
    const expected = module.freeForm ? 'a mapping of arguments or a command string' : 'a mapping of arguments';
    diagnostics.push({ ...source.positionOf(modulePath), message: `${key}: expected ${expected}, got ${describeType(value)}` });
    return { valid: false };
  }
  const extra = isMapping(raw.args) ? raw.args : {};
  const args = { ...extra, ...inline };
  const validate = moduleValidator(module);
  if (validate instanceof Error) {
    diagnostics.push({ ...source.positionOf(modulePath, { key: true }), message: `module "${module.name}" has an invalid argument schema: ${validate.message}` });
    return { args, valid: false };
  }
  // Errors about keys that came from `args:` point into `args:`.
  const argsSource: YamlSource = {
    ...source,
    positionOf: (p, options) => {
      const name = p[modulePath.length];
      const fromArgs = p.length > modulePath.length && hasKey(extra, name) && !hasKey(inline, name);
      return source.positionOf(fromArgs ? [...path, 'args', ...p.slice(modulePath.length)] : p, options);
    },
  };
  const found = schemaDiagnostics(templateTolerant(validate), args, argsSource, modulePath).map((d) => ({
    ...d,
    message: d.message.startsWith(`${key}:`) || d.message.endsWith(` in ${key}`) ? d.message : `${key}: ${d.message}`,
  }));
  diagnostics.push(...found);
  return { args, valid: found.length === 0 };
}

/** `shell echo hi`, `copy dest=/etc/x mode=0644`: the module plus a short summary of its arguments. */
function defaultName(module: string, written: unknown, args: Record<string, unknown>): string {
  let summary: string;
  if (typeof written === 'string') summary = written;
  else {
    summary = Object.entries(args)
      .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  }
  summary = summary.replace(/\s+/g, ' ').trim();
  if (summary.length > 60) summary = `${summary.slice(0, 59)}…`;
  return summary ? `${module} ${summary}` : module;
}
