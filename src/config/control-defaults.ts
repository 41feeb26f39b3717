/**
 * ansible.cfg / ANSIBLE_* settings applied the way Ansible applies them: as defaults under
 * every inventory variable (a host or group that sets ansible_user keeps it), and for SSH
 * as `-o` options placed before the connection's extra arguments and the SSH config file.
 */
import type { ConnectionOverrides } from '../connection/factory.ts';
import type { Inventory } from '../inventory/types.ts';
import type { ControlSettings } from './control-settings.ts';

/** Inventory variable that each setting stands in for. */
const AS_HOST_VAR: [keyof ControlSettings, string[]][] = [
  ['remoteUser', ['ansible_user', 'ansible_ssh_user']],
  ['privateKeyFile', ['ansible_ssh_private_key_file']],
  ['hostKeyChecking', ['ansible_host_key_checking', 'provision_host_key_checking']],
  ['timeout', ['ansible_ssh_timeout']],
  ['become', ['ansible_become']],
  ['becomeUser', ['ansible_become_user']],
];

/** Fill in, on every host, the variables the inventory leaves unset. Returns the inventory. */
export function applyControlDefaults(inventory: Inventory, settings: ControlSettings): Inventory {
  for (const host of inventory.hosts) {
    for (const [key, names] of AS_HOST_VAR) {
      const setting = settings[key] as { value: unknown } | undefined;
      if (setting === undefined) continue;
      // host_key_checking = True is Ansible's default and passes nothing to ssh: the SSH
      // config decides. Only False (StrictHostKeyChecking=no) overrides it.
      if (key === 'hostKeyChecking' && setting.value === true) continue;
      if (names.some((n) => host.vars[n] !== undefined && host.vars[n] !== null)) continue;
      host.vars[names[0]] = setting.value;
    }
  }
  return inventory;
}

export function controlConnectionOptions(settings: ControlSettings): ConnectionOverrides {
  return {
    ...(settings.sshConfigFile ? { sshConfigFile: settings.sshConfigFile.value } : {}),
    ...(settings.sshArgs ? { sshArgs: { text: settings.sshArgs.value, source: settings.sshArgs.source } } : {}),
  };
}
