/** slurp: read a small file from the host, base64-encoded (Ansible's slurp). */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { readFileFact } from '../lib/read-file.ts';

/** Registered values live in memory and in JSON output: keep them small. */
export const SLURP_LIMIT = 1024 * 1024;

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['src'],
  properties: {
    src: { type: 'string', minLength: 1, description: 'The file on the host to read.' },
  },
} as const satisfies ArgsSchema;

export type SlurpArgs = ArgsOf<typeof schema>;

export const slurp: TaskModule<SlurpArgs> = {
  name: 'slurp',
  description: `Reads a file from the host and registers its content base64-encoded (\`content\`, with \`encoding: base64\`), as Ansible's slurp; decode it with the \`b64decode\` filter. Files over ${SLURP_LIMIT} bytes are refused (use fetch). Never changes anything.`,
  readOnly: true,
  schema,
  examples: [
    `- name: Read the Flannel subnet file
  slurp:
    src: /run/flannel/subnet.env
  register: subnet_env`,
  ],
  async run(args, ctx) {
    const file = await ctx.fact(readFileFact(args.src, SLURP_LIMIT));
    switch (file.kind) {
      case 'missing':
        return failed(`file not found: ${args.src}`);
      case 'not-a-file':
        return failed(`source is not a regular file: ${args.src}`);
      case 'too-large':
        return failed(`${args.src} is ${file.size} bytes, over the slurp limit of ${SLURP_LIMIT}; use fetch`);
      case 'content':
        return ok(`read ${file.content.length} bytes from ${args.src}`, {
          content: file.content.toString('base64'),
          encoding: 'base64',
          source: args.src,
        });
    }
  },
};
