/**
 * The engine against real sshd nodes: converge, converge again with nothing to do,
 * check mode that touches nothing, unreachable and failing hosts that do not stop the
 * others, strict host keys, and become for a non-root user.
 */
import t from 'tap';
import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { labSupport, startLab } from './lab.ts';
import type { Lab } from './types.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const playbook = join(REPO_ROOT, 'test/fixtures/playbooks/converge-files.yaml');
const BASE = '/var/lib/rancher/provision-test';

function writeInventory(lab: Lab, name: string, inventory: unknown): string {
  const file = join(lab.dir, name);
  writeFileSync(file, stringify(inventory));
  return file;
}

function labHosts(lab: Lab): Record<string, Record<string, unknown>> {
  return Object.fromEntries(lab.nodes.map((n) => [n.name, { ansible_host: n.address, ansible_port: n.port }]));
}

function rootVars(lab: Lab, knownHosts = lab.knownHostsFile): Record<string, unknown> {
  return { ansible_user: 'root', ansible_ssh_private_key_file: lab.rootKeyFile, provision_known_hosts: knownHosts, ansible_ssh_timeout: 5 };
}

t.test('engine on three lab nodes', { skip }, async (t) => {
  const lab = await startLab({ nodes: 3 });
  t.teardown(() => lab.stop());

  await t.test('--check on fresh nodes predicts every change and touches nothing', async (t) => {
    const run = await runInProcess(lab.inventoryFile, playbook, { check: true });
    t.equal(run.summary.exitCode, 2, 'changes pending');
    for (const node of lab.nodes) {
      t.same(run.summary.recap[node.name], { ok: 4, changed: 4, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, `${node.name} recap`);
      t.notOk(existsSync(lab.hostPath(node, BASE)), `${node.name}: nothing created`);
    }
    t.ok(run.commands.length > 0, 'facts were read');
    t.same(run.commands.filter((c) => c.kind === 'change'), [], 'no changing command ran');
  });

  await t.test('first run converges: the files are on every node', async (t) => {
    const run = await runInProcess(lab.inventoryFile, playbook);
    t.equal(run.summary.exitCode, 0);
    for (const node of lab.nodes) {
      t.equal(run.summary.recap[node.name].changed, 4, `${node.name}: 4 changed`);
      const base = lab.hostPath(node, BASE);
      t.equal(lstatSync(base).mode & 0o777, 0o750);
      // A host listed only under all.hosts is in `ungrouped`, which group_names shows (as Ansible).
      t.equal(readFileSync(join(base, 'node.conf'), 'utf8'), `node=${node.name}\ngroups=ungrouped\n`);
      t.equal(lstatSync(join(base, 'node.conf')).mode & 0o777, 0o640);
      t.equal(readlinkSync(join(base, 'current')), `${BASE}/node.conf`);
      t.equal(lstatSync(join(base, 'marker')).mode & 0o777, 0o600);
    }
  });

  await t.test('second run reports 0 changed', async (t) => {
    const run = await runInProcess(lab.inventoryFile, playbook);
    t.equal(run.summary.exitCode, 0);
    for (const node of lab.nodes) t.equal(run.summary.recap[node.name].changed, 0, `${node.name}: nothing changed`);
    t.same(run.commands.filter((c) => c.kind === 'change'), [], 'only reads on a converged node');
  });

  await t.test('an unreachable node and a failing node do not stop the others', async (t) => {
    const [n1, n2, n3] = lab.nodes;
    const hosts: Record<string, Record<string, unknown>> = { ...labHosts(lab), ghost: { ansible_host: lab.hostAddress.replace(/\.\d+$/, '.250'), ansible_ssh_timeout: 2 } };
    const inv = writeInventory(lab, 'mixed.yaml', { all: { hosts, vars: rootVars(lab) } });
    const pb = join(lab.dir, 'mixed-playbook.yaml');
    writeFileSync(
      pb,
      stringify([
        {
          name: 'mixed',
          hosts: 'all',
          tasks: [
            { name: 'refuse where flagged', shell: `test ! -e ${BASE}/refuse` },
            { name: 'after', copy: { dest: `${BASE}/after`, content: 'done\n' } },
          ],
        },
      ]),
    );
    writeFileSync(lab.hostPath(n2, `${BASE}/refuse`), '');
    const cli = await runCli(['run', pb, '-i', inv]);
    t.equal(cli.code, 1, 'a task failed: exit 1');
    t.match(cli.stdout, /fatal: \[node2\]: FAILED!/);
    t.match(cli.stdout, /fatal: \[ghost\]: UNREACHABLE!/);
    t.match(cli.stdout, /node1\s+: ok=2\s+changed=2\s+unreachable=0\s+failed=0/);
    t.match(cli.stdout, /node2\s+: ok=0\s+changed=0\s+unreachable=0\s+failed=1/);
    t.match(cli.stdout, /ghost\s+: ok=0\s+changed=0\s+unreachable=1\s+failed=0/);
    t.ok(existsSync(lab.hostPath(n1, `${BASE}/after`)), 'node1 went on');
    t.ok(existsSync(lab.hostPath(n3, `${BASE}/after`)), 'node3 went on');
    t.notOk(existsSync(lab.hostPath(n2, `${BASE}/after`)), 'node2 stopped at its failure');

    const onlyGhost = writeInventory(lab, 'ghost.yaml', { all: { hosts: { node1: hosts.node1, ghost: hosts.ghost }, vars: rootVars(lab) } });
    const cli3 = await runCli(['run', pb, '-i', onlyGhost]);
    t.equal(cli3.code, 3, 'unreachable and nothing failed: exit 3');
  });

  await t.test('strict host key checking refuses a wrong key and runs nothing', async (t) => {
    const [n1, n2] = lab.nodes;
    // node1's address with node2's keys: a man in the middle, as far as ssh can tell.
    const wrong = readFileSync(lab.knownHostsFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`${n2.address},`) || l.startsWith(`[${n2.address}]`))
      .map((l) => l.replaceAll(n2.address, n1.address))
      .join('\n');
    const knownHosts = join(lab.dir, 'wrong_known_hosts');
    writeFileSync(knownHosts, `${wrong}\n`);
    const inv = writeInventory(lab, 'wrong-key.yaml', { all: { hosts: { node1: labHosts(lab).node1 }, vars: rootVars(lab, knownHosts) } });
    const pb = join(lab.dir, 'touch.yaml');
    writeFileSync(pb, stringify([{ hosts: 'all', tasks: [{ file: { path: `${BASE}/mitm`, state: 'touch' } }] }]));
    const cli = await runCli(['run', pb, '-i', inv]);
    t.equal(cli.code, 3);
    t.match(cli.stdout, /UNREACHABLE/);
    t.match(cli.stdout, /SHA256:/, 'the fingerprints are named');
    t.notOk(existsSync(lab.hostPath(n1, `${BASE}/mitm`)), 'no command ran');
  });

  await t.test('become works for a non-root user with a sudo password', async (t) => {
    const [n1] = lab.nodes;
    const inv = writeInventory(lab, 'become.yaml', {
      all: {
        hosts: { node1: labHosts(lab).node1 },
        vars: {
          ansible_user: lab.user.name,
          ansible_ssh_private_key_file: lab.user.keyFile,
          provision_known_hosts: lab.knownHostsFile,
          ansible_become_password: lab.user.password,
        },
      },
    });
    const pb = join(lab.dir, 'become-playbook.yaml');
    writeFileSync(
      pb,
      stringify([
        {
          hosts: 'all',
          tasks: [
            { name: 'as the user', command: 'id -un', register: 'plain', changed_when: false },
            { name: 'as root', command: 'id -un', register: 'root', become: true, changed_when: false },
            { name: 'root-owned file', copy: { dest: `${BASE}/by-root`, content: 'x\n', owner: 'root', mode: '0600' }, become: true },
            { assert: { that: ["plain.stdout == 'labuser'", "root.stdout == 'root'"] } },
          ],
        },
      ]),
    );
    const cli = await runCli(['run', pb, '-i', inv, '--json']);
    t.equal(cli.code, 0, cli.stderr);
    t.notMatch(cli.stdout, lab.user.password, 'the sudo password never reaches the output');
    const st = lstatSync(lab.hostPath(n1, `${BASE}/by-root`));
    t.equal(st.uid, 0, 'the file belongs to root');
  });
});
