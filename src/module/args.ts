/**
 * A module's argument type is derived from its JSON Schema (json-schema-to-ts), so the
 * schema ajv checks, the docs generated from it and the type the module's code sees are one
 * text. Schemas are written `as const satisfies ArgsSchema`. Properties with a `default`
 * stay optional in the type: ajv does not fill defaults in, the module's `args.x ?? …` does.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

export type ArgsSchema = JSONSchema;

export type ArgsOf<S extends ArgsSchema> = FromSchema<S, { keepDefaultedPropertiesOptional: true }>;

/** The arguments of a shared group of schema properties (kubectl access, command guards). */
export type ArgsOfProperties<P extends Record<string, ArgsSchema>> = ArgsOf<{
  type: 'object';
  additionalProperties: false;
  properties: P;
}>;

/** An argument naming an absolute directory on the host, with its default. */
export const absoluteDirArg = <const D extends string, const T extends string>(defaultDir: D, description: T) =>
  ({ type: 'string', minLength: 1, pattern: '^/', default: defaultDir, description }) as const;
