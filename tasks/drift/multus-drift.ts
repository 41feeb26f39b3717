/**
 * multus_drift: how this node stands against what install left, read with ONE command and
 * judged locally: items `{host, kind, path?, expected, found, severity}` and the table of
 * every path install touches. Read-only; finding drift is its result, not a failure.
 */
import { absoluteDirArg, type ArgsOf, type ArgsSchema } from '../../src/module/args.ts';
import { posix } from 'node:path';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { dataDirProblem } from '../k3s/layout.ts';
import { DEFAULT_BACKUP_DIR } from '../k3s/backup-record.ts';
import { DEFAULT_STATE_DIR, STATE_FILE } from '../multus/install-record.ts';
import { DEFAULT_EXTRA_CNI_PLUGINS, MULTUS_SOCKET as DEFAULT_MULTUS_SOCKET } from '../lib/defaults.ts';
import { MULTUS_OWNED_BINARIES } from '../k3s/layout.ts';
import { evaluateHostDrift } from './host-items.ts';
import { driftProbeFact } from './probe.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    k3s_data_dir: { type: ['string', 'null'], minLength: 1, description: 'K3s --data-dir; unset or null: from the K3s config, else the default.' },
    extra_cni_plugins: {
      type: 'array',
      items: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' },
      default: DEFAULT_EXTRA_CNI_PLUGINS,
      description: 'Reference plugins install put next to Multus.',
    },
    socket: { type: 'string', minLength: 1, pattern: '^/', default: DEFAULT_MULTUS_SOCKET, description: "multus-daemon's unix socket." },
    state_dir: absoluteDirArg(DEFAULT_STATE_DIR, 'Where install keeps state.json.'),
    backup_dir: absoluteDirArg(DEFAULT_BACKUP_DIR, "Where install keeps K3s's originals."),
    node_name: { type: ['string', 'null'], minLength: 1, description: "The host's Kubernetes node name; unset: its hostname, as K3s names nodes (docs/k3s-multus.md §2)." },
  },
} as const satisfies ArgsSchema;

export type MultusDriftArgs = ArgsOf<typeof schema>;

export const multusDrift: TaskModule<MultusDriftArgs> = {
  name: 'multus_drift',
  description:
    "Reads everything drift needs from the node with one command — K3s's CNI entries and multicall binary, Multus's binaries, 00-multus.conf, the Flannel conflist, the daemon socket and its `/healthz`, state.json and the backup records — and registers `drift`: `node` (the Kubernetes node name: `node_name`, else the host's hostname), `checked`, `items` (each `host`, `kind`, `path`, `expected`, `found`, `severity`), `paths` (every path install touches, marked new, overwritten, unchanged or missing) and `problems`. Never changes anything; fails only when the node cannot be judged (no K3s data dir or bin dir).",
  readOnly: true,
  schema,
  examples: [
    `- name: Read the node
  multus_drift:
    extra_cni_plugins: [ipvlan]
  register: node_drift
  become: true`,
  ],
  async run(args, ctx) {
    const dataDir = args.k3s_data_dir ?? undefined;
    if (dataDir !== undefined) {
      const problem = dataDirProblem(dataDir);
      if (problem) return failed(`k3s_data_dir ${problem}`);
    }
    const extraPlugins = args.extra_cni_plugins ?? [...DEFAULT_EXTRA_CNI_PLUGINS];
    const socket = args.socket ?? DEFAULT_MULTUS_SOCKET;
    const stateFile = posix.join(args.state_dir ?? DEFAULT_STATE_DIR, STATE_FILE);
    const obs = await ctx.fact(
      driftProbeFact({
        ...(dataDir !== undefined ? { dataDir } : {}),
        plugins: [...new Set([...MULTUS_OWNED_BINARIES, ...extraPlugins])],
        socket,
        stateDir: args.state_dir ?? DEFAULT_STATE_DIR,
        backupDir: args.backup_dir ?? DEFAULT_BACKUP_DIR,
      }),
    );
    const node = args.node_name ?? (obs.hostname || ctx.host);
    const judged = evaluateHostDrift(ctx.host, obs, { extraPlugins, socket, stateFile });
    if (!judged.checked) return failed(`cannot check drift: ${judged.error}`, { drift: { node, ...judged } });
    for (const p of judged.problems) ctx.warn(p);
    const n = judged.items.length;
    return ok(n === 0 ? 'in sync' : `${n} drift item${n > 1 ? 's' : ''}: ${[...new Set(judged.items.map((i) => i.kind))].join(', ')}`, {
      drift: { node, ...judged },
    });
  },
};
