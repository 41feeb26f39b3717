/** Usage text for every command; the exit codes are the same everywhere and listed once. */
import { DRIFT_EXIT_CODES, DRIFT_HELP } from './drift-help.ts';
import { DEFAULT_BACKUP_DIR, DEFAULT_STATE_DIR } from '../../tasks/lib/defaults.ts';

export const EXIT_CODES = `Exit codes:
  0    success / in sync
  1    a task failed on at least one host
  2    changes pending (--check) or drift found
  3    a host was unreachable (and nothing failed)
  4    invalid input (usage, inventory, playbook): nothing was touched
  5    another run holds the lock for this inventory or a node of it
  130  interrupted`;

const INVENTORY_DEFAULT = `Without -i the inventory is $PROVISION_INVENTORY, else $ANSIBLE_INVENTORY or
ansible.cfg's [defaults] inventory, else ./inventory.yaml: the first of them that exists.`;

const SETTINGS = `Settings also come from ansible.cfg ($ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg,
/etc/ansible/ansible.cfg: the first found) and ANSIBLE_* variables (forks, remote_user,
private_key_file, host_key_checking, timeout, become, become_user, ssh_args), and SSH
options from ~/.ssh/config (or -F in ansible_ssh_common_args); see 'provision config'.`;

const COMMON = `Common options:
  -i, --inventory FILE        Ansible-style YAML inventory (default: see below)
  -l, --limit PATTERN         only hosts matching PATTERN (a:b union, a:&b intersection, a:!b exclusion, globs)
  -C, --check                 plan only: change nothing, exit 2 when changes are pending
  -D, --diff                  show before/after of every change
  -t, --tags TAGS             only tasks with these tags (comma separated)
      --skip-tags TAGS        skip tasks with these tags
  -f, --forks N               hosts handled at once (default: ansible.cfg forks, else 5)
  -e, --extra-vars VARS       key=value, JSON, or @file.yaml (highest precedence)
      --json                  JSON lines of events and a final summary on stdout
  -v, --verbose               more output (repeat for more)
      --host-key-checking M   strict (default) | accept-new | off
      --known-hosts FILE      known_hosts file (default ~/.ssh/known_hosts)
  -K, --ask-become-pass       ask for the sudo password (stdin's first line when not a terminal)
      --become-password-file FILE  the sudo password is this file's first line
      --lock-timeout T        wait up to T (30s, 5m) for a lock another run holds (default: exit 5 at once)
  -h, --help                  this help

${INVENTORY_DEFAULT}

${SETTINGS}`;

export const COMMAND_HELP: Record<string, string> = {
  install: `Usage: provision install [-i INVENTORY] [--smoke] [--force-conflicts] [options]

Put the Multus CNI thick plugin on every K3s node of the inventory (groups server and agent),
in order and idempotently (playbooks/install.yaml):
  preflight  K3s present, data dir, CNI bin-dir layout, multicall binary, Flannel conflist;
             cluster access (once). A host that fails preflight is changed in no way.
  backup     K3s's own CNI entries (cni + 7 plugin names) under ${DEFAULT_BACKUP_DIR};
             the first (pristine) backup is never overwritten
  apply      the rendered manifest (once, server-side apply), then wait for the DaemonSet
  relink     every K3s-owned plugin name back to K3s's multicall binary, atomically
  verify     binaries, links, multicall sha256, 00-multus.conf, socket, POST /healthz
  record     ${DEFAULT_STATE_DIR}/state.json: what was installed, where the backups are
Run parts with --tags preflight,verify …; plan with --check (exit 2 when changes are pending).

  --smoke                     afterwards, run the smoke test (see 'provision smoke --help')
  --force-conflicts           take over Multus objects another field manager owns (created
                              with upstream's kubectl apply, Helm, an operator); without it
                              such an install fails naming that manager

kubectl runs on the first host of group server as 'k3s kubectl' (root, via become), or on
this machine when the inventory sets 'kubeconfig' (and optionally 'kubectl').

${COMMON}`,
  rollback: `Usage: provision rollback [-i INVENTORY] [--force] [--purge] [options]

Take Multus thick off every K3s node of the inventory and give K3s back its own plugins
(playbooks/rollback.yaml), from whatever state an install left:
  preflight  K3s facts, state.json, backup records and Multus's files (per host); a host with
             no record and no Multus files has nothing to do (0 changed)
  users      pods on a secondary network and every NetworkAttachmentDefinition (once); the
             definitions are exported as YAML to <backup dir>/network-attachment-definitions/
             on the kubectl host before anything is deleted
  cluster    delete the objects labelled app.kubernetes.io/managed-by=provision (DaemonSets,
             RBAC, ConfigMap), wait until every Multus pod is gone (rollback_wait_timeout,
             default 120 s); a node whose pod stays is named and not touched
  node       remove 00-multus.conf, /run/multus, /var/lib/cni/multus, multus-shim, passthru
             and the plugins install recorded, once the node's daemon is gone; re-link every
             K3s plugin name to K3s's current multicall binary (by rename: host-local never
             disappears); check host-local and the Flannel conflist
  record     state.json says rolled back (when, by which version)
Kept: the backups under /var/lib/provision/backups, the export, the CRD (and with it every
NetworkAttachmentDefinition), so a later install finds them again.

  --force                     go on although pods use a secondary network (-e rollback_force=true);
                              they keep net1 only until they restart
  --purge                     also delete the CRD and every NetworkAttachmentDefinition, and,
                              last, after everything else succeeded, the backups and the export

Exit codes of a rollback:
  0    rolled back (or nothing to do)
  1    refused (pods use a secondary network, no --force), or a step failed on a host
       (a Multus pod still running, a daemon still answering): the failure names host and step
  2    --check: changes pending
  3    a host was unreachable; the others are rolled back, a rerun finishes it
  4    invalid input: nothing was touched
  5    another run holds the lock

${COMMON}`,
  smoke: `Usage: provision smoke [-i INVENTORY] [options]

Smoke-test Multus on every node (playbooks/smoke.yaml): an ipvlan NetworkAttachmentDefinition
on the node's NIC (var ipvlan_master, default the default-route NIC) and a test pod pinned to
the node; it passes when the pod's k8s.v1.cni.cncf.io/network-status lists net1 with an IP.
Both are deleted afterwards, also on failure.

${COMMON}`,
  run: `Usage: provision run PLAYBOOK.yaml [-i INVENTORY] [options]

Run any playbook, Ansible-style.

${COMMON}`,
  validate: `Usage: provision validate [-i INVENTORY] [PLAYBOOK.yaml ...]

Schema-check the inventory and the playbooks (the bundled ones when none is given).
Every problem is printed as file:line:column; no host is contacted.

${INVENTORY_DEFAULT}`,
  config: `Usage: provision config [--only-changed] [-i INVENTORY] [-l PATTERN]

Print the settings in force and where each came from (command line, ANSIBLE_* variable,
ansible.cfg file:line, or default), named as 'ansible-config dump' names them, then how
every host of the inventory (or of --limit) will be reached: user@address:port, jump hosts
or ProxyCommand, host key policy and known_hosts file, key. SSH options provision does not
use are listed as warnings with their file:line. No host is contacted.

  --only-changed              leave out settings that are at their default

Precedence, highest first: command-line flags; inventory variables; ANSIBLE_* variables;
ansible.cfg; -o options in ansible_ssh_common_args / ansible_ssh_extra_args, then in
ssh_args; the SSH config file; built-in defaults.

${INVENTORY_DEFAULT}`,
  schema: `Usage: provision schema [--out DIR]

Write inventory.schema.json and playbook.schema.json (every task's arguments included)
for editors using yaml-language-server. Without --out, print both to stdout as one JSON object.`,
  manifest: `Usage: provision manifest [-i INVENTORY] [-e KEY=VALUE ...] [-l HOST]

Print the Multus thick manifest rendered for the inventory's variables (multus_version,
k3s_data_dir, k3s_cni_layout, extra_cni_plugins, ...) to stdout; warnings go to stderr.
The variables are those of the first host --limit selects, else of the first host of
group "server", else of the first host. No host is contacted. Invalid variables are all
listed and exit with 4.

Options:
  -i, --inventory FILE        Ansible-style YAML inventory (default: as for every command, see 'provision help run')
  -l, --limit PATTERN         take the variables of the first host matching PATTERN
  -e, --extra-vars VARS       key=value, JSON, or @file.yaml (highest precedence)
  -h, --help                  this help

Examples:
  provision manifest -i inventory.yaml > multus.yaml
  provision manifest -i inventory.yaml -e k3s_data_dir=/srv/k3s -e k3s_cni_layout=current
  provision manifest -i inventory.yaml -l node2 | k3s kubectl apply --server-side -f -`,
};

export function mainHelp(): string {
  return `provision — declarative node provisioning; puts the Multus CNI thick plugin on K3s + Flannel

Usage: provision COMMAND [options]

Commands:
  install -i INV          put Multus thick on every K3s node, verified [--smoke]
  smoke -i INV            end-to-end check: a pod on every node gets net1
  drift -i INV            read-only check of every node against the install [--fix]
  schedule -i INV         run drift from cron or a systemd timer
  rollback -i INV         take Multus off every node, restore K3s's plugins [--force] [--purge]
  run PLAYBOOK -i INV     run any playbook
  validate -i INV [PB…]   schema-check inventory and playbooks, touch nothing
  schema [--out DIR]      write JSON Schemas for editors
  manifest -i INV         print the rendered Multus manifest
  config                  the settings in force (ansible.cfg, ANSIBLE_*, SSH config) and their sources
  help [COMMAND]          this text, or a command's

Run 'provision COMMAND --help' for a command's options.

${EXIT_CODES}`;
}

export function commandHelp(name: string): string {
  if (name === 'drift' || name === 'schedule') return `${DRIFT_HELP[name]}\n\n${name === 'drift' ? DRIFT_EXIT_CODES : EXIT_CODES}`;
  return `${COMMAND_HELP[name] ?? mainHelp()}\n\n${EXIT_CODES}`;
}
