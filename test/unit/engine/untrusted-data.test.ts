/**
 * A node that answers with template syntax must get its own text back: registered results,
 * module facts and set_fact values are data, never rendered again. The attack: a hostile
 * node reports its K3s path as `/opt/{{ hostvars['node1'].ansible_become_password }}/k3s`,
 * hoping the next task sends node1's sudo password (or the join token) back to it.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runInProcess } from '../../helpers/run-provision.ts';
import { buildScope, dataLayer } from '../../../src/engine/scope.ts';
import { renderValue } from '../../../src/template/index.ts';

const PAYLOAD = "/opt/{{ hostvars['node1'].k3s_token }}/k3s";

t.test('registered stdout with {{ }} reaches the next task as text (attacker script)', async (t) => {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  writeFileSync(
    inv,
    stringify({
      all: {
        hosts: { node1: { ansible_connection: 'local', k3s_token: 'K10secret-join-token' }, evil: { ansible_connection: 'local' } },
        vars: { dir },
      },
    }),
  );
  const pb = join(dir, 'pb.yaml');
  // The hostile node's answer is written by printf from a file, so the playbook never holds it as a template.
  writeFileSync(join(dir, 'answer'), PAYLOAD);
  writeFileSync(
    pb,
    stringify([
      {
        hosts: 'evil',
        tasks: [
          { name: 'Read the K3s path', command: `cat ${join(dir, 'answer')}`, register: 'k3s_path' },
          { name: 'Keep it', set_fact: { k3s_bin: '{{ k3s_path.stdout }}', k3s_bins: ['{{ k3s_path.stdout }}'] } },
          { name: 'Use the register', shell: 'printf %s "{{ k3s_path.stdout }}" > {{ dir }}/sent-register' },
          { name: 'Use the fact', shell: 'printf %s "{{ k3s_bin }}|{{ k3s_bins[0] }}" > {{ dir }}/sent-fact' },
          { name: 'Show it', debug: { msg: '{{ k3s_bin }}' }, register: 'shown' },
        ],
      },
    ]),
  );
  const run = await runInProcess(inv, pb);
  t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
  t.equal(readFileSync(join(dir, 'sent-register'), 'utf8'), PAYLOAD, 'the node gets its own text back');
  t.equal(readFileSync(join(dir, 'sent-fact'), 'utf8'), `${PAYLOAD}|${PAYLOAD}`, 'a set_fact of it is data too');
  const all = JSON.stringify(run.events);
  t.notOk(all.includes('K10secret-join-token'), "node1's token appears in no event");
  t.equal(run.summary.facts.evil.k3s_bin, PAYLOAD);
});

t.test('module facts are data; inventory, play and extra vars are still templates', async (t) => {
  const facts = dataLayer({ k3s_data_dir: '/srv/{{ secret }}', derived_from_fact: '{{ secret }}' });
  const scope = buildScope([{ secret: 's3cret', cni_dir: '{{ k3s_data_dir }}/data/cni' }, facts, { from_extra: '{{ secret }}-x' }]);
  t.equal(scope.k3s_data_dir, '/srv/{{ secret }}', 'a fact holding {{ }} is not rendered');
  t.equal(scope.cni_dir, '/srv/{{ secret }}/data/cni', 'an inventory template using it inserts the text once');
  t.equal(scope.from_extra, 's3cret-x', 'extra vars still render');
  t.equal(renderValue('{{ derived_from_fact }}', scope), '{{ secret }}');
  // A template layer above a fact wins and renders as before.
  const over = buildScope([facts, { derived_from_fact: '{{ "task-" ~ 1 }}' }]);
  t.equal(over.derived_from_fact, 'task-1');
});
