/**
 * multus_stale_conf: remove a 00-multus.conf that no daemon stands behind. The conf points
 * the node's container runtime at multus-shim, and the shim at the daemon's socket: with no
 * daemon answering, every new pod on the node fails (docs/k3s-multus.md §9). The daemon
 * writes the file again when it starts, so the file is removed only while nothing answers
 * on the socket — asked again in the same command that removes it.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { sh } from '../../src/connection/quote.ts';
import { changed, failed, ok, type TaskModule } from '../../src/module/task.ts';
import { MULTUS_SOCKET as DEFAULT_MULTUS_SOCKET } from '../lib/defaults.ts';
import { healthScript, parseHealth } from './probe.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, pattern: '^/', description: 'The 00-multus.conf path (`{{ k3s.multus_conf }}`).' },
    socket: { type: 'string', minLength: 1, pattern: '^/', default: DEFAULT_MULTUS_SOCKET, description: "multus-daemon's unix socket." },
  },
} as const satisfies ArgsSchema;

export type MultusStaleConfArgs = ArgsOf<typeof schema>;

export function staleConfCommand(path: string, socket: string, remove: boolean): string {
  return [
    ...healthScript(socket),
    sh`conf=${path}`,
    'if ! [ -e "$conf" ]; then echo conf=absent; exit 0; fi',
    'case $health in',
    // Nothing behind the socket (no socket, or nobody answers): the conf is stale.
    '  no-socket|"curl 000"|"python3 000")',
    remove ? '    rm -f -- "$conf" && echo conf=removed ;;' : '    echo conf=stale ;;',
    '  *) echo conf=kept ;;',
    'esac',
  ].join('\n');
}

export function parseStaleConf(stdout: string): { conf: string; health: string } {
  const value = (key: string): string => stdout.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1) ?? '';
  return { conf: value('conf'), health: value('health') };
}

export const multusStaleConf: TaskModule<MultusStaleConfArgs> = {
  name: 'multus_stale_conf',
  description:
    "Removes 00-multus.conf (`path`) only while no multus-daemon answers `/healthz` on `socket` (no socket, or nothing answers); the health is asked again in the command that removes the file. Left alone when the daemon answers (any HTTP status) or when the host can ask neither with curl nor python3. Changed when the file was removed.",
  schema,
  examples: [
    `- name: Remove a stale 00-multus.conf
  multus_stale_conf:
    path: "{{ k3s.multus_conf }}"
  become: true`,
  ],
  async run(args, ctx) {
    const socket = args.socket ?? DEFAULT_MULTUS_SOCKET;
    const seen = await ctx.read(staleConfCommand(args.path, socket, false));
    if (seen.exitCode !== 0) return failed(`cannot read ${args.path}: ${seen.stderr.trim() || seen.stdout.trim()}`);
    const before = parseStaleConf(seen.stdout);
    const health = parseHealth(before.health);
    const why = health && 'status' in health ? `/healthz answered ${health.status}` : before.health;
    if (before.conf === 'absent') return ok(`${args.path} does not exist`);
    if (before.conf !== 'stale') return ok(`${args.path} kept: ${health?.via === 'none' ? 'cannot ask the daemon (no curl, no python3)' : `the daemon answers (${why})`}`);
    if (ctx.check) return changed(`would remove ${args.path}: nothing answers on ${socket}`);
    const done = await ctx.change(staleConfCommand(args.path, socket, true));
    if (done.exitCode !== 0) return failed(`cannot remove ${args.path}: ${done.stderr.trim() || done.stdout.trim()}`);
    const after = parseStaleConf(done.stdout);
    if (after.conf === 'removed') return changed(`removed ${args.path}: nothing answered on ${socket}`);
    return ok(`${args.path} kept: ${after.conf === 'absent' ? 'already gone' : 'the daemon answers again'}`);
  },
};
