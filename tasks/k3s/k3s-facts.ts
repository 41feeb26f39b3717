/**
 * k3s_facts: the preflight of every K3s-side task. One read-only script reads the node
 * (k3s version, data dir, bin-dir layout, K3s's CNI entries, the multicall binary, the
 * Flannel conflist); a pure parser and evaluator turn it into the `k3s` fact, or into a
 * failure that names every check that failed and what it found. Nothing is changed, so a
 * host that fails here is left exactly as it was.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type HostContext, type TaskModule } from '../../src/module/task.ts';
import { k3sFactsFromProbe } from './facts.ts';
import { DEFAULT_K3S_BINARY, DEFAULT_K3S_CONFIG_FILE, k3sProbeFact } from './probe.ts';
import { k3sSourcesFact, resolveK3sSettings, type K3sSettings } from './settings.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    k3s_data_dir: {
      type: ['string', 'null'],
      description:
        "K3s data dir (`--data-dir`). Unset or null: as K3s takes it (docs/k3s-multus.md §1): `--data-dir` on the command line of the running k3s (else the systemd unit's ExecStart), then `data-dir:` in its config file and `<file>.d/*.yaml`, then `K3S_DATA_DIR`, then `k3s_server_location`, else /var/lib/rancher/k3s.",
    },
    k3s_server_location: {
      type: ['string', 'null'],
      description: "k3s-ansible's data dir variable; used when nothing on the node names a data dir (current k3s-ansible makes /var/lib/rancher/k3s a symlink to it instead).",
    },
    config_file: {
      type: 'string',
      minLength: 1,
      default: DEFAULT_K3S_CONFIG_FILE,
      description: 'The K3s config file, unless K3s is told another one (`--config`, `K3S_CONFIG_FILE`).',
    },
    k3s_binary: {
      type: 'string',
      minLength: 1,
      default: DEFAULT_K3S_BINARY,
      description: 'The k3s command, looked up on PATH, then at /usr/local/bin/k3s.',
    },
  },
} as const satisfies ArgsSchema;

export type K3sFactsArgs = ArgsOf<typeof schema>;

/** K3s's settings as the node has them; a config file named by K3s itself is read in a second pass. */
async function readSettings(ctx: HostContext, args: K3sFactsArgs): Promise<K3sSettings> {
  const location = args.k3s_server_location ?? undefined;
  const configFile = args.config_file ?? DEFAULT_K3S_CONFIG_FILE;
  const first = await ctx.fact(k3sSourcesFact(configFile));
  const settings = resolveK3sSettings(first, location, configFile);
  if (settings.config_file === configFile || first.configs.some((c) => c.path === settings.config_file)) return settings;
  return resolveK3sSettings(await ctx.fact(k3sSourcesFact(settings.config_file)), location, configFile);
}

export const k3sFacts: TaskModule<K3sFactsArgs> = {
  name: 'k3s_facts',
  description:
    "Reads what the K3s node looks like from the CNI side and sets the fact `k3s`: `version`, `data_dir`, `layout` (`cni` for the stable `<data-dir>/data/cni` bin dir, `current` for older K3s's `data/current/bin`), `cni_bin_dir`, `cni_conf_dir`, `flannel_conflist` and its `flannel_conflist_sha256`, `multus_conf` and `multus_conf_present`, `multicall` (`target`, `sha256`: K3s's multicall binary every plugin name links to) and `entries` (for `cni` and the seven plugin names: `symlink` with `target`, `file` with `sha256` and `mode`, `missing` or `other`). Fails, naming each failed check and what it found, when there is no k3s command, no data dir, no CNI bin dir, no executable multicall binary or no Flannel conflist, when the CNI bin dir is not writable (a read-only file system), or when one of K3s's plugin names there is neither a file nor a symlink (a directory). Warns when the layout is `current` (plugins must be redeployed after every K3s upgrade) and when host-local is a regular file (an earlier install overwrote K3s's link).",
  schema,
  examples: [
    `- name: Read the K3s layout
  k3s_facts:
    k3s_data_dir: "{{ k3s_data_dir | default(none) }}"`,
    `- name: K3s with a custom config file
  k3s_facts:
    config_file: /etc/rancher/k3s/config.yaml
    k3s_binary: /usr/local/bin/k3s`,
  ],
  readOnly: true,
  async run(args, ctx) {
    const settings = await readSettings(ctx, args);
    const dataDir = args.k3s_data_dir ? { dir: args.k3s_data_dir, source: 'argument' } : { dir: settings.data_dir, source: settings.data_dir_source };
    const read = await ctx.fact(k3sProbeFact({ dataDir: dataDir.dir, binary: args.k3s_binary ?? DEFAULT_K3S_BINARY }));
    const probe = { ...read, data_dir_source: dataDir.source };
    const outcome = k3sFactsFromProbe(probe);
    if (!outcome.ok) {
      return failed(`not a usable K3s node: ${outcome.problems.join('; ')}`, { problems: outcome.problems, probe });
    }
    for (const w of outcome.warnings) ctx.warn(w);
    const f = {
      ...outcome.facts,
      node_name: settings.node_name,
      node_name_source: settings.node_name_source,
      connected_address: settings.connected_address,
    };
    const result = ok(`K3s ${f.version}, data dir ${f.data_dir}, bin dir ${f.cni_bin_dir} (layout ${f.layout})`, {
      warnings: outcome.warnings,
    });
    return { ...result, facts: { k3s: f } };
  },
};
