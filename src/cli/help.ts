/** Usage text for every command; the exit codes are the same everywhere and listed once. */

export const EXIT_CODES = `Exit codes:
  0    success / in sync
  1    a task failed on at least one host
  2    changes pending (--check) or drift found
  3    a host was unreachable (and nothing failed)
  4    invalid input (usage, inventory, playbook): nothing was touched
  5    another run holds the lock for this inventory
  130  interrupted`;

const COMMON = `Common options:
  -i, --inventory FILE        Ansible-style YAML inventory (required)
  -l, --limit PATTERN         only hosts matching PATTERN (a:b union, a:&b intersection, a:!b exclusion, globs)
  -C, --check                 plan only: change nothing, exit 2 when changes are pending
  -D, --diff                  show before/after of every change
  -t, --tags TAGS             only tasks with these tags (comma separated)
      --skip-tags TAGS        skip tasks with these tags
  -f, --forks N               hosts handled at once (default 5)
  -e, --extra-vars VARS       key=value, JSON, or @file.yaml (highest precedence)
      --json                  JSON lines of events and a final summary on stdout
  -v, --verbose               more output (repeat for more)
      --host-key-checking M   strict (default) | accept-new | off
      --known-hosts FILE      known_hosts file (default ~/.ssh/known_hosts)
  -h, --help                  this help`;

export const COMMAND_HELP: Record<string, string> = {
  run: `Usage: provision run PLAYBOOK.yaml -i INVENTORY [options]

Run any playbook, Ansible-style.

${COMMON}`,
  validate: `Usage: provision validate -i INVENTORY [PLAYBOOK.yaml ...]

Schema-check the inventory and the playbooks (the bundled ones when none is given).
Every problem is printed as file:line:column; no host is contacted.`,
  schema: `Usage: provision schema [--out DIR]

Write inventory.schema.json and playbook.schema.json (every task's arguments included)
for editors using yaml-language-server. Without --out, print both to stdout as one JSON object.`,
};

export function mainHelp(): string {
  return `provision — declarative node provisioning; puts the Multus CNI thick plugin on K3s + Flannel

Usage: provision COMMAND [options]

Commands:
  run PLAYBOOK -i INV     run any playbook
  validate -i INV [PB…]   schema-check inventory and playbooks, touch nothing
  schema [--out DIR]      write JSON Schemas for editors
  help [COMMAND]          this text, or a command's

Run 'provision COMMAND --help' for a command's options.

${EXIT_CODES}`;
}

export function commandHelp(name: string): string {
  return `${COMMAND_HELP[name] ?? mainHelp()}\n\n${EXIT_CODES}`;
}
