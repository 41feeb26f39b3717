/** Small pieces shared by the playbook loader: type narrowing and positioned template checks. */
import type { Diagnostic } from '../errors.ts';
import type { YamlPath, YamlSource } from '../source/yaml-source.ts';
import { conditionSyntaxErrors, templateSyntaxErrors } from '../template/index.ts';

interface CheckContext {
  source: YamlSource;
  diagnostics: Diagnostic[];
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function hasKey(value: Record<string, unknown>, key: string | number): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function optionalBool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** A keyword that takes a string or a list of strings (tags, notify, listen). */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Report template syntax errors in every string of `value` (keys too) at the string's own position. */
export function checkTemplates(value: unknown, path: YamlPath, ctx: CheckContext): void {
  if (typeof value === 'string') {
    for (const message of templateSyntaxErrors(value)) ctx.diagnostics.push({ ...ctx.source.positionOf(path), message });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkTemplates(item, [...path, i], ctx));
  } else if (isMapping(value)) {
    for (const [key, item] of Object.entries(value)) {
      for (const message of templateSyntaxErrors(key)) {
        ctx.diagnostics.push({ ...ctx.source.positionOf([...path, key], { key: true }), message });
      }
      checkTemplates(item, [...path, key], ctx);
    }
  }
}

/** Report syntax errors of a condition or a list of conditions, each at its own position. */
export function checkConditions(value: unknown, path: YamlPath, ctx: CheckContext): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkConditions(item, [...path, i], ctx));
    return;
  }
  for (const message of conditionSyntaxErrors(value)) ctx.diagnostics.push({ ...ctx.source.positionOf(path), message });
}

/**
 * A view of `source` where paths under `shown` (e.g. ['play 2']) mean paths under `real`
 * (e.g. [1]): schema messages then name "play 2" instead of a bare index.
 */
export function relabel(source: YamlSource, real: YamlPath, shown: YamlPath): YamlSource {
  return {
    ...source,
    positionOf: (path, options) => {
      const under = shown.every((step, i) => path[i] === step);
      return source.positionOf(under ? [...real, ...path.slice(shown.length)] : path, options);
    },
  };
}

/**
 * A keyword that accepts several shapes (anyOf) fails once per shape, all at one place.
 * Say it once: "serial: must be integer, got string, or must match pattern …".
 */
export function mergeAlternatives(diagnostics: Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const prev = out[out.length - 1];
    const name = d.message.split(': ')[0];
    if (prev && prev.line === d.line && prev.col === d.col && d.message.includes(': ') && prev.message.startsWith(`${name}: `)) {
      out[out.length - 1] = { ...prev, message: `${prev.message}, or ${d.message.slice(name.length + 2)}` };
    } else {
      out.push(d);
    }
  }
  return out;
}
