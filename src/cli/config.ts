/**
 * provision config [--only-changed] [-i INV] [-l PATTERN]: the settings in force and where
 * each came from, in the manner of `ansible-config dump` (Ansible's setting names), then,
 * when an inventory is found, how each host will be reached. Contacts no host.
 */
import type { ExitCodeValue } from '../errors.ts';
import { UsageError } from '../errors.ts';
import { applyControlDefaults, controlConnectionOptions } from '../config/control-defaults.ts';
import type { ControlSettings, Setting } from '../config/control-settings.ts';
import { planConnections, type ConnectionPlan } from '../connection/factory.ts';
import { loadInventory } from '../inventory/load.ts';
import { commandHelp } from './help.ts';
import { defaultInventory } from './default-inventory.ts';
import { parseCommand, type CommonFlags } from './options.ts';

interface Row {
  name: string;
  setting?: Setting<unknown>;
  fallback: string;
}

export async function configCommand(argv: string[], out: NodeJS.WritableStream): Promise<ExitCodeValue> {
  const { flags, extra, positionals } = parseCommand(argv, { 'only-changed': { type: 'boolean' } });
  if (flags.help) {
    out.write(`${commandHelp('config')}\n`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`config takes no arguments, got ${positionals.join(' ')}`);
  const settings = flags.settings!;
  const onlyChanged = extra['only-changed'] === true;
  out.write(`ansible.cfg: ${settings.ansibleCfg ?? 'none'} (looked for: ${settings.searched.join(', ')})\n`);
  for (const row of rows(settings)) {
    if (onlyChanged && row.setting === undefined) continue;
    const source = row.setting?.source ?? 'default';
    out.write(`${row.name}(${source}) = ${format(row.setting?.value ?? row.fallback)}\n`);
  }
  const inventory = chooseInventory(flags, settings);
  if (inventory.file === undefined) {
    out.write(`INVENTORY IN USE(none) = none: ${inventory.source}\n`);
    return 0;
  }
  out.write(`INVENTORY IN USE(${inventory.source}) = ${inventory.file}\n`);
  const loaded = applyControlDefaults(loadInventory(inventory.file), settings);
  const { plans, warnings } = planConnections(loaded, {
    ...controlConnectionOptions(settings),
    ...(flags.hostKeyChecking ? { hostKeyChecking: flags.hostKeyChecking } : {}),
    ...(flags.knownHosts ? { knownHostsFile: flags.knownHosts } : {}),
  });
  const names = flags.limit !== undefined ? loaded.select(flags.limit) : loaded.hosts.map((h) => h.name);
  out.write('\nConnections:\n');
  for (const name of names) out.write(`  ${name}: ${describePlan(plans.get(name)!)}\n`);
  for (const w of warnings) out.write(`warning: ${w}\n`);
  return 0;
}

function rows(s: ControlSettings): Row[] {
  return [
    { name: 'DEFAULT_HOST_LIST', ...(s.inventory ? { setting: s.inventory } : {}), fallback: '[]' },
    { name: 'DEFAULT_FORKS', ...(s.forks ? { setting: s.forks } : {}), fallback: '5' },
    { name: 'DEFAULT_REMOTE_USER', ...(s.remoteUser ? { setting: s.remoteUser } : {}), fallback: '(SSH config User, else the local user)' },
    { name: 'DEFAULT_PRIVATE_KEY_FILE', ...(s.privateKeyFile ? { setting: s.privateKeyFile } : {}), fallback: '(SSH config IdentityFile, else ssh-agent)' },
    { name: 'HOST_KEY_CHECKING', ...(s.hostKeyChecking ? { setting: s.hostKeyChecking } : {}), fallback: 'True' },
    { name: 'DEFAULT_TIMEOUT', ...(s.timeout ? { setting: s.timeout } : {}), fallback: '10' },
    { name: 'DEFAULT_BECOME', ...(s.become ? { setting: s.become } : {}), fallback: 'False' },
    { name: 'DEFAULT_BECOME_USER', ...(s.becomeUser ? { setting: s.becomeUser } : {}), fallback: 'root' },
    { name: 'SSH_ARGS', ...(s.sshArgs ? { setting: s.sshArgs } : {}), fallback: '' },
    { name: 'SSH_CONFIG_FILE', ...(s.sshConfigFile ? { setting: s.sshConfigFile } : {}), fallback: 'none (~/.ssh/config does not exist)' },
  ];
}

function chooseInventory(flags: CommonFlags, settings: ControlSettings): { file?: string; source: string } {
  if (flags.inventory) return { file: flags.inventory, source: '-i' };
  try {
    const choice = defaultInventory(settings, process.env, process.cwd());
    return { file: choice.file, source: choice.source };
  } catch (err) {
    return { source: (err as Error).message };
  }
}

function format(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => `'${v}'`).join(', ')}]`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

export function describePlan(plan: ConnectionPlan): string {
  if (plan.kind === 'local') return 'local';
  const at = (e: { user: string; address?: string; port?: number }) => `${e.user}@${e.address}:${e.port ?? 22}`;
  const parts = [at(plan)];
  if (plan.proxyCommand) parts.push(`ProxyCommand ${JSON.stringify(plan.proxyCommand)}`);
  if (plan.jumps?.length) parts.push(`via ${plan.jumps.map((j) => `${j.name} (${at(j)}, host key ${j.hostKeyChecking})`).join(' → ')}`);
  parts.push(`host key ${plan.hostKeyChecking ?? 'strict'} against ${plan.knownHostsFile}`);
  if (plan.privateKeyFile) parts.push(`key ${plan.privateKeyFile}`);
  else if (plan.agent) parts.push('keys from ssh-agent');
  return parts.join('; ');
}
