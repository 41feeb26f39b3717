/**
 * multus_leftovers: rollback's preflight on a node. Reads state.json, the backup records and
 * what Multus left (docs/k3s-multus.md §10), and sets the fact `multus_leftovers` that the
 * later steps act on. A node with no record and no Multus files has nothing to do: that is
 * an ok result, not an error. Never changes anything.
 */
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { factsProblem } from '../k3s/facts.ts';
import { leftoverArgProperties, readLeftovers, type LeftoverArgs } from './leftovers.ts';

export const multusLeftovers: TaskModule<LeftoverArgs> = {
  name: 'multus_leftovers',
  description:
    "Reads what Multus thick and install left on the node and sets the fact `multus_leftovers`: `state` (state.json, or null), `rolled_back_at`, `pristine` (whether the pristine backup exists), `remove` (present paths rollback would remove: 00-multus.conf, the socket dir, the cache dir, multus-shim, passthru and the extra plugins of state.json `files_added`, each with `path`, `kind` and `what`), `kept` (present paths it keeps and why: K3s's own names, names the pristine record lists as there before the install, paths outside Multus's places), `daemon` (`no-socket`, `refused`, `answering` or `unknown`: whether anything accepts connections on multus.sock), `unaccounted` (other bin dir names no record accounts for: left in place, with a warning) and `had_multus`. Without state.json the extra plugins named by `extra_cni_plugins` count only when the pristine record shows they were not there before. Never changes anything.",
  readOnly: true,
  schema: { type: 'object', additionalProperties: false, required: ['facts'], properties: { ...leftoverArgProperties } },
  examples: [
    `- name: Read what Multus left on the node
  multus_leftovers:
    facts: "{{ k3s }}"
    state_dir: /var/lib/provision
    backup_dir: /var/lib/provision/backups`,
  ],
  async run(args, ctx) {
    const bad = factsProblem(args.facts);
    if (bad) return failed(bad);
    const found = await readLeftovers(ctx, args);
    for (const w of found.warnings) ctx.warn(w);
    for (const k of found.kept) ctx.warn(`keeping ${k.path}: ${k.why}`);
    if (found.unaccounted.length > 0) {
      ctx.warn(`leaving ${found.unaccounted.join(', ')} in ${args.facts.cni_bin_dir}: neither K3s, the pristine backup record nor state.json accounts for them (an installer that copied every plugin?); remove them by hand if they are not yours`);
    }
    const msg = !found.had_multus
      ? 'nothing to do: no install record and no Multus files on this node'
      : `${found.state ? `installed ${String(found.state.multus_version ?? '')}`.trim() : 'no state.json'}${found.rolled_back_at ? `, rolled back at ${found.rolled_back_at}` : ''}; ${found.remove.length ? `to remove: ${found.remove.map((r) => r.path).join(', ')}` : 'no Multus files left'}`;
    return { ...ok(msg), facts: { multus_leftovers: found } };
  },
};
