/**
 * multus_verify: after install, prove the node is whole — Multus's binaries in place, K3s's
 * plugin names still linked to an unmodified multicall binary, 00-multus.conf pointing at
 * Flannel, the daemon answering on its socket. Read-only; every check is reported.
 */
import { absoluteDirArg, type ArgsOf, type ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { k3sMultusPaths } from '../k3s/layout.ts';
import type { BackupRecord } from '../k3s/backup-record.ts';
import { DEFAULT_BACKUP_DIR, DEFAULT_EXTRA_CNI_PLUGINS, MULTUS_SOCKET } from '../lib/defaults.ts';
import { readStoredBackups } from '../k3s/backup-store.ts';
import { k3sStateSchema, readCurrentK3s, type WithK3sFacts } from '../k3s/current.ts';
import { evaluateMultusInstall, splitChecks } from './checks.ts';
import { multusProbeFact } from './probe.ts';
import { thickInstallerBinaries } from './release.ts';


const schema = k3sStateSchema({
  extra_cni_plugins: {
    type: 'array',
    items: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' },
    default: DEFAULT_EXTRA_CNI_PLUGINS,
    description: 'Reference plugins installed next to Multus that must be in the bin dir.',
  },
  multus_version: {
    type: 'string',
    minLength: 1,
    description:
      'The Multus release installed (e.g. v4.3.0-thick): passthru is expected only from v4.2.1 on, the first release whose install_multus copies it. Unset: both multus-shim and passthru are expected.',
  },
  socket: {
    type: 'string',
    minLength: 1,
    default: MULTUS_SOCKET,
    description: "multus-daemon's unix socket on the host.",
  },
  backup_dir: absoluteDirArg(DEFAULT_BACKUP_DIR, 'Where k3s_cni_backup keeps its records (for the multicall and Flannel sha256).'),
}) satisfies ArgsSchema;

export type MultusVerifyArgs = WithK3sFacts<ArgsOf<typeof schema>>;

export const multusVerify: TaskModule<MultusVerifyArgs> = {
  name: 'multus_verify',
  description:
    "Checks a node after Multus thick was installed and reports every check in `checks` (`name`, `ok`, `detail`, `severity`): multus-shim, passthru (from Multus v4.2.1 on, see `multus_version`) and each extra plugin are executable regular files in the K3s CNI bin dir; each K3s-owned name is a symlink to the current multicall binary, which exists, is executable and has the sha256 of the backup of that same binary (a different sha256 means something wrote through a link onto it; a binary no backup knows, after a K3s upgrade, is a warning); 00-multus.conf exists, parses, has `type: multus-shim` and a `clusterNetwork` naming the Flannel conflist; the Flannel conflist exists (a sha256 changed since the backup is only a warning: K3s rewrites the file at agent start); the daemon socket is a socket and a POST of `/healthz` answers 200 (Multus v4.3.0 serves no other health path) when the host has curl or python3 (else it is reported as not checked). Fails when any check of severity `error` fails.",
  schema,
  examples: [
    `- name: Verify Multus on the node
  multus_verify:
    facts: "{{ k3s }}"
    extra_cni_plugins: [ipvlan, macvlan]`,
  ],
  readOnly: true,
  async run(args, ctx) {
    const current = await readCurrentK3s(ctx, args);
    if (!current.ok) return failed(`cannot verify: ${current.problem}`);
    const { probe } = current;
    if (!probe.data_dir_exists || probe.layout === null) {
      return failed(`cannot verify: no K3s CNI bin dir under ${probe.data_dir}`);
    }
    const paths = k3sMultusPaths(probe.data_dir, probe.layout);
    const extraPlugins = args.extra_cni_plugins ?? [...DEFAULT_EXTRA_CNI_PLUGINS];
    const socket = args.socket ?? MULTUS_SOCKET;
    const multus = await ctx.fact(
      multusProbeFact({
        binDir: paths.cniBinDir,
        plugins: [...new Set([...thickInstallerBinaries(args.multus_version), ...extraPlugins])],
        multusConf: paths.multusConf,
        flannelConflist: paths.flannelConflist,
        socket,
      }),
    );
    const stored = await readStoredBackups(ctx, args.backup_dir ?? DEFAULT_BACKUP_DIR);
    const records = [stored.latest, stored.pristine].filter((r): r is BackupRecord => r !== undefined);
    const checks = evaluateMultusInstall({
      k3s: probe,
      layout: probe.layout,
      binDir: paths.cniBinDir,
      flannelConflistPath: paths.flannelConflist,
      multusConfPath: paths.multusConf,
      socket,
      extraPlugins,
      multusVersion: args.multus_version,
      multus,
      records,
    });
    for (const problem of stored.problems) checks.push({ name: 'backup record', ok: false, detail: problem, severity: 'warning' });
    const { errors, warnings } = splitChecks(checks);
    for (const w of warnings) ctx.warn(`${w.name}: ${w.detail}`);
    const data = { checks };
    if (errors.length > 0) {
      return failed(`${errors.length} of ${checks.length} checks failed: ${errors.map((c) => `${c.name}: ${c.detail}`).join('; ')}`, data);
    }
    const note = warnings.length > 0 ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : '';
    return ok(`Multus verified in ${paths.cniBinDir}: ${checks.length - warnings.length} of ${checks.length} checks passed${note}`, data);
  },
};
