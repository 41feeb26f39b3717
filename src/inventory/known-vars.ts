/**
 * The inventory variables provision itself reads. One table feeds the JSON schema (types
 * and editor documentation), secret masking and the connection settings, so the three
 * can never disagree about a name. Any other variable is free-form, as in Ansible.
 */

export interface KnownVar {
  /** JSON Schema of the value, without description (added from `description`). */
  schema: Record<string, unknown>;
  description: string;
  /** Masked in every log and report. */
  secret?: boolean;
}

/**
 * Ansible takes any value here and converts it where it is used (a string "True", "yes",
 * a template "{{ … }}"); so does provision: connection-vars.ts converts and refuses a value
 * that can never work, naming the host. The schema states only what can never work.
 */
export const ANSIBLE_BOOLEAN_SCHEMA = { type: ['boolean', 'string', 'integer'] } as const;

/** A port number, or a string Ansible would turn into one ("22", "{{ base_port + 1 }}"). */
const port = { type: ['integer', 'string'], minimum: 1, maximum: 65535 };
/** Ansible makes a string of a number here (`ansible_user: 1000`). */
const text = { type: ['string', 'number'] };

export const KNOWN_VARS: Record<string, KnownVar> = {
  ansible_host: {
    schema: text,
    description: 'Address (DNS name or IP) to connect to; defaults to the inventory host name.',
  },
  ansible_ssh_host: {
    schema: text,
    description: 'Older Ansible name for ansible_host; ansible_host wins when both are set.',
  },
  ansible_port: {
    schema: port,
    description: 'SSH port (1-65535); default 22.',
  },
  ansible_ssh_port: {
    schema: port,
    description: 'Older Ansible name for ansible_port; ansible_port wins when both are set.',
  },
  ansible_user: {
    schema: text,
    description: 'SSH login user; defaults to the user running provision.',
  },
  ansible_ssh_user: {
    schema: text,
    description: 'Older Ansible name for ansible_user; ansible_user wins when both are set.',
  },
  ansible_ssh_private_key_file: {
    schema: { type: 'string' },
    description: 'Path of the SSH private key to authenticate with (`~/` is expanded).',
  },
  ansible_ssh_private_key_passphrase: {
    schema: { type: 'string' },
    description: 'Passphrase of the private key. Secret: masked in every log.',
    secret: true,
  },
  ansible_password: {
    schema: { type: 'string' },
    description: 'SSH login password (prefer keys). Secret: masked in every log.',
    secret: true,
  },
  ansible_ssh_pass: {
    schema: { type: 'string' },
    description: 'Older Ansible name for ansible_password. Secret: masked in every log.',
    secret: true,
  },
  ansible_connection: {
    schema: { type: 'string' },
    description: 'How to reach the host: `ssh` (default) or `local` (run on this machine); other Ansible connection plugins are refused when the host is used.',
  },
  ansible_become: {
    schema: ANSIBLE_BOOLEAN_SCHEMA,
    description: 'Run privileged tasks through sudo; default false (yes/no/on/off accepted, as in Ansible).',
  },
  ansible_become_user: {
    schema: text,
    description: 'User to become; default root.',
  },
  ansible_become_password: {
    schema: { type: 'string' },
    description: 'sudo password, fed on stdin, never on the command line. Secret: masked in every log.',
    secret: true,
  },
  ansible_become_pass: {
    schema: { type: 'string' },
    description: 'Older Ansible name for ansible_become_password. Secret: masked in every log.',
    secret: true,
  },
  ansible_ssh_timeout: {
    schema: { type: ['integer', 'string'], minimum: 1 },
    description: 'Seconds to wait for the SSH connection to be established; default 10.',
  },
  ansible_ssh_common_args: {
    schema: { type: 'string' },
    description:
      'Extra ssh arguments, as Ansible takes them: `-o Keyword=value` for the SSH options provision honours (ProxyJump, ProxyCommand, User, Port, IdentityFile, …), `-F FILE` for another SSH config file, `-J HOPS`. Other arguments are reported and not used.',
  },
  ansible_ssh_extra_args: {
    schema: { type: 'string' },
    description: 'More ssh arguments, read like ansible_ssh_common_args and after it.',
  },
  provision_host_key_checking: {
    schema: { enum: ['strict', 'accept-new', 'off'] },
    description:
      'SSH host key policy: `strict` (default; the key must be in known_hosts), `accept-new` (record unknown keys, refuse changed ones) or `off` (accept any key: lab use only).',
  },
  ansible_host_key_checking: {
    schema: ANSIBLE_BOOLEAN_SCHEMA,
    description: "Ansible's switch: true = strict, false = off. provision_host_key_checking wins when both are set.",
  },
  provision_known_hosts: {
    schema: { type: 'string' },
    description: 'known_hosts file to check host keys against; default ~/.ssh/known_hosts.',
  },
};

/** Only meaningful in a group's vars: orders groups of the same depth (default 1; higher wins). */
export const GROUP_PRIORITY_VAR = 'ansible_group_priority';

export const GROUP_ONLY_VARS: Record<string, KnownVar> = {
  [GROUP_PRIORITY_VAR]: {
    schema: { type: 'integer' },
    description:
      'Among groups at the same nesting depth, a higher priority overrides a lower one (default 1); equal priorities merge in alphabetical order.',
  },
};

export const SECRET_VAR_NAMES: readonly string[] = Object.entries(KNOWN_VARS)
  .filter(([, v]) => v.secret)
  .map(([name]) => name);
