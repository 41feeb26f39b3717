/**
 * Differential test: every case of test/parity/cases/inventory runs through the real
 * ansible-core 2.14 (test/helpers/ansible.ts: one ansible-playbook run per case, which
 * contacts no host) and through provision's own inventory, pattern, -e and YAML code, and
 * the two must agree on each pattern's hosts (order included), the `groups` variable and
 * every listed variable on every host. A case may list `differences` (a pattern or a
 * variable, with the reason): those must still differ, so that a stale note is noticed.
 *
 * Case file keys: about, inventory (YAML text), patterns, vars (names or expressions, read
 * with debug's `var`), extra_vars (-e arguments), play_vars (YAML text of a play's vars,
 * loaded by provision's playbook loader and by Ansible's vars_files), error_patterns
 * (patterns both refuse), warnings ([{ansible, provision}] regular expressions both must
 * print), connection (host → the port/user/become provision must connect with),
 * differences ([{pattern|var, reason}]).
 */
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseExtraVars } from '../../src/cli/extra-vars.ts';
import { HostScopes } from '../../src/engine/host-scopes.ts';
import { formatDiagnostic } from '../../src/errors.ts';
import { connectionSettings } from '../../src/inventory/connection-vars.ts';
import { loadInventory } from '../../src/inventory/load.ts';
import type { Inventory } from '../../src/inventory/types.ts';
import { loadPlaybook } from '../../src/playbook/load.ts';
import { evaluateExpression, UndefinedVariableError } from '../../src/template/index.ts';
import { registry } from '../../tasks/index.ts';
import { ansibleProbe, inParallel, type AnsibleProbe } from '../helpers/ansible.ts';
import { REPO_ROOT } from '../helpers/run-provision.ts';

interface Difference {
  pattern?: string;
  var?: string;
  reason: string;
}

interface Case {
  about: string;
  inventory: string;
  patterns?: string[];
  vars?: string[];
  extra_vars?: string[];
  play_vars?: string;
  error_patterns?: string[];
  warnings?: Array<{ ansible: string; provision: string }>;
  differences?: Difference[];
  connection?: Record<string, { port?: number; user?: string; become?: boolean; connection?: string }>;
}

const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';
const casesDir = join(REPO_ROOT, 'test', 'parity', 'cases', 'inventory');
const caseFiles = readdirSync(casesDir).filter((f) => f.endsWith('.yaml')).sort();
const work = mkdtempSync(join(tmpdir(), 'provision-parity-'));

interface Prepared {
  name: string;
  spec: Case;
  inventoryFile: string;
  playVarsFile?: string;
  ansible?: AnsibleProbe;
  /** Pattern → Ansible's refusal (undefined when it accepted the pattern). */
  ansibleErrors: Map<string, string | undefined>;
  failure?: Error;
}

const prepared: Prepared[] = caseFiles.map((file) => {
  const spec = parseYaml(readFileSync(join(casesDir, file), 'utf8')) as Case;
  const dir = mkdtempSync(join(work, `${basename(file, '.yaml')}-`));
  const inventoryFile = join(dir, 'inventory.yaml');
  writeFileSync(inventoryFile, spec.inventory);
  let playVarsFile: string | undefined;
  if (spec.play_vars !== undefined) {
    playVarsFile = join(dir, 'play-vars.yaml');
    writeFileSync(playVarsFile, spec.play_vars);
  }
  return { name: basename(file, '.yaml'), spec, inventoryFile, playVarsFile, ansibleErrors: new Map() };
});

t.before(async () => {
  // Ansible takes about a second to start: one process per case, three at a time.
  await inParallel(
    prepared.map((c) => async () => {
      try {
        c.ansible = await ansibleProbe(c.inventoryFile, {
          patterns: c.spec.patterns ?? [],
          vars: c.spec.vars ?? [],
          extraArgs: (c.spec.extra_vars ?? []).flatMap((e) => ['-e', e]),
          ...(c.playVarsFile ? { varsFile: c.playVarsFile } : {}),
        });
        // ansible-playbook, not `ansible --list-hosts`, which prints no host and exits 0.
        for (const pattern of c.spec.error_patterns ?? []) {
          const refusal = await ansibleProbe(c.inventoryFile, { patterns: [pattern] }).then(
            () => undefined,
            (err: Error) => err.message,
          );
          c.ansibleErrors.set(pattern, refusal);
        }
      } catch (err) {
        c.failure = err as Error;
      }
    }),
    3,
  );
});

/** provision's answer for one variable or expression on one host, as debug's `var` prints it. */
function provisionValue(scopes: HostScopes, host: string, name: string): unknown {
  try {
    const value = evaluateExpression(name, scopes.taskScope(host));
    return value === undefined ? NOT_DEFINED : value;
  } catch (err) {
    if (err instanceof UndefinedVariableError) return NOT_DEFINED;
    return `provision error: ${(err as Error).message}`;
  }
}

function select(inventory: Inventory, pattern: string): unknown {
  try {
    return inventory.select(pattern);
  } catch (err) {
    return `provision error: ${(err as Error).message}`;
  }
}

let compared = 0;
let intended = 0;

for (const c of prepared) {
  t.test(`${c.name}: ${c.spec.about}`, async (t) => {
    if (c.failure) throw c.failure;
    const ansible = c.ansible!;
    const inventory = loadInventory(c.inventoryFile);
    const extraVars = parseExtraVars(c.spec.extra_vars ?? []);
    const scopes = new HostScopes(inventory, extraVars, { check: false, diff: false, playbookDir: work });
    if (c.playVarsFile) {
      const indented = readFileSync(c.playVarsFile, 'utf8').replace(/^/gm, '    ');
      const playbookFile = join(work, `${c.name}-play.yaml`);
      writeFileSync(playbookFile, `- hosts: all\n  vars:\n${indented}\n  tasks: []\n`);
      scopes.startPlay(loadPlaybook(playbookFile, registry).plays[0], () => []);
    }
    const differs = (key: { pattern?: string; var?: string }) =>
      (c.spec.differences ?? []).find((d) => (key.pattern !== undefined && d.pattern === key.pattern) || (key.var !== undefined && d.var === key.var));
    const compare = (label: string, ours: unknown, theirs: unknown, key: { pattern?: string; var?: string }) => {
      compared++;
      const note = differs(key);
      if (note) {
        intended++;
        t.notSame(ours, theirs, `${label}: differs on purpose: ${note.reason}`);
      } else {
        t.strictSame(ours, theirs, `${label}: as Ansible`);
      }
    };

    for (const pattern of c.spec.patterns ?? []) compare(`hosts of "${pattern}"`, select(inventory, pattern), ansible.patterns[pattern], { pattern });

    // The groups variable: every group with its hosts in order (the json callback sorts keys).
    const ours = Object.fromEntries(Object.entries(inventory.groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    compare('groups', ours, ansible.groups, {});

    for (const [host, values] of Object.entries(ansible.vars)) {
      for (const name of c.spec.vars ?? []) compare(`${host}: ${name}`, provisionValue(scopes, host, name), values[name], { var: name });
    }
    if (c.spec.vars?.length) t.same(Object.keys(ansible.vars).sort(), inventory.hosts.map((h) => h.name).sort(), 'the same hosts');

    // Connection values are converted where they are used; Ansible does that only when it
    // connects, so the case states Ansible's documented result (ssh.py: port is an int
    // option, user a string; become goes through boolean()).
    for (const [host, want] of Object.entries(c.spec.connection ?? {})) {
      const s = connectionSettings(inventory.host(host)!);
      t.match({ port: s.port, user: s.user, become: s.become.enabled, connection: s.connection }, want, `${host}: connection settings`);
    }

    for (const pattern of c.spec.error_patterns ?? []) {
      const refusal = c.ansibleErrors.get(pattern);
      t.match(refusal, /ERROR! No hosts matched the subscripted pattern/, `Ansible refuses "${pattern}"`);
      t.throws(() => inventory.select(pattern), `provision refuses "${pattern}" too`);
    }

    const ourWarnings = inventory.warnings.map(formatDiagnostic).join('\n');
    for (const w of c.spec.warnings ?? []) {
      // Ansible wraps its warnings to the terminal width.
      t.match(ansible.stderr.replace(/\s+/g, ' '), new RegExp(w.ansible), `Ansible warns: ${w.ansible}`);
      t.match(ourWarnings, new RegExp(w.provision), `provision warns: ${w.provision}`);
    }
  });
}

t.test("install runs kubectl on the server Ansible's groups['server'][0] names, on k3s-ansible inventories", async (t) => {
  const install = loadPlaybook(join(REPO_ROOT, 'playbooks', 'install.yaml'), registry);
  const play = install.plays.find((p) => 'kubectl_host' in p.vars);
  t.ok(play, 'install.yaml sets kubectl_host');
  for (const name of ['k3s-ansible-first-server', 'k3s-ansible-sample']) {
    const c = prepared.find((p) => p.name === name)!;
    if (c.failure) throw c.failure;
    const inventory = loadInventory(c.inventoryFile);
    const scopes = new HostScopes(inventory, {}, { check: false, diff: false, playbookDir: join(REPO_ROOT, 'playbooks') });
    scopes.startPlay(play!, () => []);
    for (const [host, values] of Object.entries(c.ansible!.vars)) {
      const theirs = values["groups['server'][0]"];
      t.equal(provisionValue(scopes, host, 'kubectl_host'), theirs, `${name}: ${host}: kubectl_host is ${String(theirs)}`);
    }
  }
});

t.teardown(() => {
  console.log(`# parity: ${prepared.length} cases, ${compared} comparisons, ${intended} intended differences`);
});
