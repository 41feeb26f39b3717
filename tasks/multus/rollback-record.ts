/**
 * rollback_record: state.json says the node was rolled back, when and by which provision
 * version; what install recorded stays next to it (what was installed, where the backups
 * are). Written by temp file + rename, once: a later rollback finds it already said. A node
 * that never had Multus gets no state.json.
 */
import { absoluteDirArg, type ArgsOf, type ArgsSchema } from '../../src/module/args.ts';
import { posix } from 'node:path';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import { readFileFact } from '../lib/read-file.ts';
import { DEFAULT_STATE_DIR, STATE_FILE, parseState, stateFileCommands } from './install-record.ts';
import { provisionVersion } from './provision-version.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['had_multus'],
  properties: {
    state_dir: absoluteDirArg(DEFAULT_STATE_DIR, 'Directory of state.json.'),
    had_multus: { type: 'boolean', description: 'Whether the node had Multus files or an install record when the rollback began (`multus_leftovers.had_multus`).' },
  },
} as const satisfies ArgsSchema;

export type RollbackRecordArgs = ArgsOf<typeof schema>;

export const rollbackRecord: TaskModule<RollbackRecordArgs> = {
  name: 'rollback_record',
  description:
    "Records the rollback in `<state_dir>/state.json`: `rolled_back_at` and `rolled_back_by` (the provision version) are added to what install recorded, by temp file + rename. Changes nothing when state.json already says rolled back, or when there is no state.json and `had_multus` is false (a node that never had Multus). Registers `state_file` and `state`.",
  schema,
  examples: [
    `- name: Record the rollback
  rollback_record:
    state_dir: /var/lib/provision
    had_multus: "{{ multus_leftovers.had_multus }}"`,
  ],
  async run(args, ctx) {
    const stateDir = args.state_dir ?? DEFAULT_STATE_DIR;
    const file = posix.join(stateDir, STATE_FILE);
    const existing = await ctx.fact(readFileFact(file, 1024 * 1024));
    if (existing.kind === 'not-a-file' || existing.kind === 'too-large') {
      return failed(`${file} exists but is ${existing.kind === 'not-a-file' ? 'not a regular file' : 'too large'}; refusing to replace it`);
    }
    const before = existing.kind === 'content' ? existing.content.toString('utf8') : '';
    const previous = before ? parseState(before) : undefined;
    if (previous && typeof (previous as { rolled_back_at?: unknown }).rolled_back_at === 'string') {
      return ok(`${file} already records the rollback`, { state_file: file, state: previous });
    }
    if (existing.kind === 'missing' && !args.had_multus) return ok('Multus was never here: nothing to record', { state_file: file, state: null });
    const state = { ...(previous ?? {}), rolled_back_at: new Date().toISOString(), rolled_back_by: `provision ${provisionVersion()}` };
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const diff = { before, after: text };
    const data = { state_file: file, state };
    return checkOrApply(ctx, {
      action: `record the rollback in ${file}`,
      done: `recorded the rollback in ${file}`,
      failure: `cannot write ${file}`,
      diff,
      data,
      commands: stateFileCommands(stateDir, file),
      stdin: text,
    });
  },
};
