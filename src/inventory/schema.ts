/**
 * JSON Schema (draft-07) of an Ansible YAML inventory as provision reads it. The loader
 * validates with it, `provision schema` prints it, and editors (yaml-language-server)
 * use it for completion and hover text, hence a description on every known key.
 */
import { GROUP_ONLY_VARS, KNOWN_VARS, type KnownVar } from './known-vars.ts';

function describedVars(vars: Record<string, KnownVar>): Record<string, Record<string, unknown> & { description: string }> {
  return Object.fromEntries(
    Object.entries(vars).map(([name, v]) => [name, { ...v.schema, description: v.description }]),
  );
}

export const inventorySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'provision inventory',
  description:
    'Ansible YAML inventory: top-level groups (`all` and any other; others become children of `all`), each with `hosts`, `children` and `vars`.',
  type: 'object',
  properties: {
    all: {
      $ref: '#/definitions/group',
      description: 'The group every host belongs to; its vars have the lowest precedence.',
    },
  },
  additionalProperties: { $ref: '#/definitions/group' },
  definitions: {
    group: {
      description: 'A group of hosts. May be empty.',
      type: ['object', 'null'],
      properties: {
        hosts: {
          description: 'Hosts of this group: host name (`name`, `name:port`, `[ipv6]:port`, ranges `node[01:03]`) → its variables (or empty); a single host name as a string.',
          type: ['object', 'null', 'string'],
          additionalProperties: { $ref: '#/definitions/hostVars' },
        },
        children: {
          description: 'Child groups: group name → group. Their hosts are also hosts of this group. A single group name as a string.',
          type: ['object', 'null', 'string'],
          additionalProperties: { $ref: '#/definitions/group' },
        },
        vars: { $ref: '#/definitions/groupVars', description: 'Variables of every host in this group and its children.' },
      },
      // Ansible skips other keys with a warning; the loader warns likewise.
    },
    hostVars: {
      description: 'Variables of one host; they override every group variable.',
      type: ['object', 'null'],
      properties: describedVars(KNOWN_VARS),
      additionalProperties: true,
    },
    groupVars: {
      description:
        'Variables of every host in the group. Precedence: all < parent group < child group < host; same depth: ansible_group_priority, then alphabetical.',
      type: ['object', 'null'],
      properties: describedVars({ ...KNOWN_VARS, ...GROUP_ONLY_VARS }),
      additionalProperties: true,
    },
  },
} as const;

/** A fresh copy, safe for callers to annotate (`provision schema` writes it out as JSON). */
export function inventoryJsonSchema(): Record<string, unknown> {
  return structuredClone(inventorySchema) as unknown as Record<string, unknown>;
}
