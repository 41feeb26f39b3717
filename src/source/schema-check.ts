/**
 * ajv errors turned into positioned diagnostics, all of them at once, with messages an
 * operator can act on ("must be integer, got string").
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../errors.ts';
import type { YamlPath, YamlSource } from './yaml-source.ts';

export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });
}

/** The one ajv instance of the process, and each schema compiled once (by object identity). */
const ajv = createAjv();
const compiledSchemas = new WeakMap<object, ValidateFunction>();

export function validatorFor(schema: object): ValidateFunction {
  let validate = compiledSchemas.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiledSchemas.set(schema, validate);
  }
  return validate;
}

export function decodePointer(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Validate `value` (found at `base` inside `source`) and return every error, positioned. */
export function schemaDiagnostics(
  validate: ValidateFunction,
  value: unknown,
  source: YamlSource,
  base: YamlPath = [],
): Diagnostic[] {
  if (validate(value)) return [];
  const errors = pruneErrors(validate.errors ?? []);
  return errors.map((e) => toDiagnostic(e, source, base));
}

/** oneOf/anyOf produce one error per branch; keep the most specific ones. */
function pruneErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') continue;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out.length ? out : errors.slice(0, 1);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

function toDiagnostic(e: ErrorObject, source: YamlSource, base: YamlPath): Diagnostic {
  const path = [...base, ...decodePointer(e.instancePath)];
  const name = path.length ? String(path[path.length - 1]) : '(top level)';
  let message: string;
  let position = source.positionOf(path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      position = source.positionOf([...path, extra], { key: true });
      message = `unknown key "${extra}"${path.length ? ` in ${name}` : ''}`;
      break;
    }
    case 'type':
      message = `${name}: must be ${String((e.params as { type: string }).type).split(',').join(' or ')}, got ${describeType(e.data)}`;
      break;
    case 'required':
      message = `${name}: missing required key "${(e.params as { missingProperty: string }).missingProperty}"`;
      break;
    case 'enum':
      message = `${name}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      message = `${name}: ${e.message ?? e.keyword}`;
  }
  return { ...position, message };
}
