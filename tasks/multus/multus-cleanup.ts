/**
 * multus_cleanup: remove what Multus thick left on a node (docs/k3s-multus.md §9–§10), only
 * once its daemon is gone: a daemon that still answers on multus.sock would write its conf
 * again and serve pods, so the node is left alone and the task fails naming it. The paths
 * are read at the moment of acting (multus_leftovers' rules), so a second run finds nothing.
 * 00-multus.conf goes first: from then on no new pod is sent to the shim.
 */
import { sh } from '../../src/connection/quote.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import { factsProblem } from '../k3s/facts.ts';
import { leftoverArgProperties, readLeftovers, type LeftoverArgs, type Leftovers } from './leftovers.ts';

/** The commands for the removable paths; a binary that is a directory is not one (pure). */
export function cleanupPlan(found: Leftovers): { commands: string[]; paths: string[]; skipped: string[] } {
  const commands: string[] = [];
  const paths: string[] = [];
  const skipped: string[] = [];
  for (const r of found.remove) {
    if (r.what === 'dir') {
      commands.push(sh`rm -rf -- ${r.path}`);
    } else if (r.kind === 'file' || r.kind === 'symlink' || r.kind === 'socket') {
      commands.push(sh`rm -f -- ${r.path}`);
    } else {
      skipped.push(`${r.path} (${r.kind})`);
      continue;
    }
    paths.push(r.path);
  }
  return { commands, paths, skipped };
}

export const multusCleanup: TaskModule<LeftoverArgs> = {
  name: 'multus_cleanup',
  description:
    "Removes what Multus thick left on the node, by the rules of multus_leftovers: 00-multus.conf first (a stale one from a killed daemon included), then the socket dir, the cache dir, multus-shim, passthru and the extra plugins install recorded; never a K3s-owned name nor one the pristine backup record lists as there before the install. Refuses, changing nothing, while anything still answers on the daemon's socket (its pod is not gone yet); a socket file nobody answers on is removed. Check mode lists the paths without asking the socket. Registers `removed` and `kept`.",
  schema: { type: 'object', additionalProperties: false, required: ['facts'], properties: { ...leftoverArgProperties } },
  examples: [
    `- name: Remove Multus's files from the node
  multus_cleanup:
    facts: "{{ k3s }}"
    state_dir: /var/lib/provision`,
  ],
  async run(args, ctx) {
    const bad = factsProblem(args.facts);
    if (bad) return failed(bad);
    const found = await readLeftovers(ctx, args);
    const plan = cleanupPlan(found);
    for (const s of plan.skipped) ctx.warn(`not removing ${s}: not a file`);
    const data = { removed: plan.paths, kept: found.kept };
    if (plan.paths.length === 0) return ok('no Multus files on this node', data);
    const diff = { before: plan.paths.map((p) => `${p}\n`).join(''), after: '' };
    // Check mode lists the paths without asking whether the daemon still answers.
    if (!ctx.check && found.daemon === 'answering') {
      return failed(`the Multus daemon still answers on ${args.socket_dir ?? '/run/multus'}/multus.sock: its pod is not gone; nothing removed on this node`, data);
    }
    return checkOrApply(ctx, {
      action: `remove ${plan.paths.join(', ')}`,
      done: `removed ${plan.paths.join(', ')}`,
      failure: "cannot remove Multus's files",
      diff,
      data,
      commands: plan.commands,
    });
  },
};
