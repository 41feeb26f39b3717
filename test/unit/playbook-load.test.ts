import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ValidationError } from '../../src/errors.ts';
import { loadPlaybook } from '../../src/playbook/load.ts';
import { leafTasks, type TaskSpec } from '../../src/playbook/types.ts';
import { testRegistry } from '../fixtures/playbooks/test-registry.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'playbooks');

/** Load, expecting failure; returns "line:col message" for every diagnostic. */
function problems(file: string): string[] {
  try {
    loadPlaybook(file, testRegistry);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    for (const d of err.diagnostics) if (d.file !== file) throw new Error(`diagnostic for another file: ${d.file}`);
    return err.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);
  }
  throw new Error(`${file} loaded without errors`);
}

function writePlaybook(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'playbook-')), 'play.yaml');
  writeFileSync(file, text);
  return file;
}

const defaults = { runOnce: false, tags: [], ignoreErrors: false, notify: [], listen: [], vars: {} };

t.test('a playbook using every keyword loads into exact plays and tasks', async (t) => {
  const file = join(fixtures, 'all-keywords.yaml');
  const at = (line: number, col: number) => ({ file, line, col });
  const task = (fields: Partial<TaskSpec> & Pick<TaskSpec, 'name' | 'module' | 'args' | 'position'>): TaskSpec => ({ ...defaults, ...fields });
  const playbook = loadPlaybook(file, testRegistry);
  t.strictSame(playbook, {
    file,
    plays: [
      {
        name: 'Configure the cluster',
        hosts: 'server:agent',
        vars: { data_dir: '/var/lib/rancher/k3s' },
        tasks: [
          {
            name: 'Write the config',
            module: 'copy',
            args: { dest: '{{ data_dir }}/config.json', content: '{{ config | to_json }}' },
            runOnce: true,
            tags: ['install', 'config', 'files'],
            ignoreErrors: true,
            notify: ['k3s config changed'],
            listen: [],
            vars: { config: { a: 1 } },
            position: at(13, 7),
            when: 'data_dir is defined',
            until: 'written is succeeded',
            failedWhen: [false, "written.msg == 'bad'"],
            changedWhen: '{{ written.changed }}',
            register: 'written',
            become: false,
            becomeUser: 'k3s',
            delegateTo: 'localhost',
            retries: 3,
            delay: 2,
            noLog: true,
          },
          task({ name: 'shell echo {{ data_dir }}', module: 'shell', args: { cmd: 'echo {{ data_dir }}' }, tags: ['install'], position: at(34, 7) }),
          task({ name: 'shell make', module: 'shell', args: { chdir: '/src', cmd: 'make' }, tags: ['install'], position: at(35, 7) }),
          task({ name: 'assert', module: 'assert', args: { that: ['data_dir | length > 0'] }, tags: ['install'], position: at(38, 7) }),
        ],
        handlers: [
          task({
            name: 'restart k3s',
            module: 'shell',
            args: { cmd: 'systemctl restart k3s' },
            tags: ['install'],
            notify: ['check k3s'],
            listen: ['k3s config changed'],
            position: at(41, 7),
          }),
          task({ name: 'check k3s', module: 'ping', args: {}, tags: ['install'], position: at(45, 7) }),
        ],
        anyErrorsFatal: true,
        position: at(1, 3),
        serial: [1, '50%'],
        maxFailPercentage: 20,
        become: true,
        becomeUser: 'root',
      },
      {
        name: 'all',
        hosts: 'all',
        vars: {},
        tasks: [
          task({ name: 'ping', module: 'ping', args: {}, position: at(49, 7) }),
          task({ name: 'copy dest=/etc/motd mode=0644', module: 'copy', args: { dest: '/etc/motd', mode: '0644' }, position: at(50, 7) }),
        ],
        handlers: [],
        anyErrorsFatal: false,
        position: at(47, 3),
      },
    ],
  });
});

t.test('every mistake in a playbook is reported at once, each at its place', async (t) => {
  const known = 'known modules: assert, copy, ping, shell';
  t.strictSame(problems(join(fixtures, 'mistakes.yaml')), [
    '3:3 unknown key "roles" in play 1',
    `6:7 unknown module or keyword "shel"; ${known}`,
    '9:7 a task takes exactly one module, this one names shell, copy',
    '13:15 copy: mode: must be string, got list',
    '14:9 unknown key "owner_x" in copy',
    '15:13 unclosed "{{" at column 1 of "{{ unclosed "',
    '17:13 unexpected end of expression at column 5 of "x =="',
    '19:15 notify: no handler named or listening to "restart nothing"; this play has no handlers',
    '20:16 retries: must be integer, got string',
    '21:7 "listen" is only valid in handlers',
    '22:13 ping: expected a mapping of arguments, got string',
    '24:15 unknown filter "nosuchfilter" at column 8 of "{{ a | nosuchfilter }}"',
    '25:3 play 2: missing required key "hosts"',
  ]);
});

t.test('the error message names file:line:col and lists the known modules', async (t) => {
  const file = writePlaybook('- hosts: all\n  tasks:\n    - name: x\n      kubectl_apply: {}\n');
  const err = t.throws(() => loadPlaybook(file, testRegistry), ValidationError) as ValidationError;
  t.equal(err.message, `${file}:4:7: unknown module or keyword "kubectl_apply"; known modules: assert, copy, ping, shell`);
  t.equal(err.exitCode, 4);
});

t.test('YAML syntax errors are positioned; a duplicate key is a positioned warning, the last value used (as Ansible)', async (t) => {
  const file = join(fixtures, 'duplicate-keys.yaml');
  const loaded = loadPlaybook(file, testRegistry);
  t.equal(loaded.plays[0].tasks[0].name, 'second');
  t.same(loaded.warnings, [{ file, line: 5, col: 7, message: 'duplicate key "name" (first at line 4); the last value is used, as Ansible does' }]);
  t.match(problems(writePlaybook('- hosts: all\n  tasks: [\n')), [/^\d+:\d+ /]);
});

t.test('an empty file or a mapping at the top is refused', async (t) => {
  t.strictSame(problems(writePlaybook('')), ['1:1 the playbook is empty: expected a list of plays']);
  t.strictSame(problems(writePlaybook('hosts: all\n')), ['1:1 (top level): must be array, got mapping']);
});

t.test('free-form strings map to the module free-form argument', async (t) => {
  const file = writePlaybook('- hosts: all\n  tasks:\n    - shell: systemctl restart k3s\n    - ansible.builtin.shell: echo {{ x }}\n');
  const [a, b] = leafTasks(loadPlaybook(file, testRegistry).plays[0].tasks);
  t.strictSame(a.args, { cmd: 'systemctl restart k3s' });
  t.equal(a.name, 'shell systemctl restart k3s');
  t.equal(b.module, 'shell', 'ansible.builtin.shell is shell');
  t.strictSame(b.args, { cmd: 'echo {{ x }}' }, 'arguments stay raw, rendered per host later');
});

t.test('a module without a free-form argument refuses a string', async (t) => {
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - copy: /etc/x\n')), ['3:13 copy: expected a mapping of arguments, got string']);
});

t.test('args: merges under inline arguments and its errors point into args', async (t) => {
  const file = writePlaybook('- hosts: all\n  tasks:\n    - shell: make\n      args:\n        chdir: 5\n        cmd: ignored\n');
  t.strictSame(problems(file), ['5:16 shell: chdir: must be string, got number']);
  const ok = writePlaybook('- hosts: all\n  tasks:\n    - shell: make\n      args:\n        chdir: /src\n        cmd: ignored\n');
  t.strictSame(leafTasks(loadPlaybook(ok, testRegistry).plays[0].tasks)[0].args, { chdir: '/src', cmd: 'make' }, 'the inline argument wins');
});

t.test('module argument schema errors: missing required argument', async (t) => {
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - copy: {content: x}\n')), ['3:13 copy: missing required key "dest"']);
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - copy:\n')), ['3:12 copy: missing required key "dest"']);
});

t.test('a task with no module, and Ansible keywords that are not supported', async (t) => {
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - name: nothing\n      when: true\n')), [
    '3:7 task has no module; known modules: assert, copy, ping, shell',
  ]);
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - shell: echo\n      with_items: [1, 2]\n')), [
    '4:7 "with_items" is an Ansible keyword that is not supported on tasks',
  ]);
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - shell: echo\n      loop: not a list\n')), [
    '4:13 loop: must be array, got string, or must match pattern "\\{\\{"',
  ], 'loop is a list or a template giving one');
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - just a string\n')), ['3:7 task 1: must be object, got string']);
});

t.test('include_tasks / import_tasks and vars_files: read at load time, their problems at their own file:line:col', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-include-'));
  writeFileSync(join(dir, 'inner.yaml'), '- name: inner\n  shell: echo {{ x }}\n- bogus_module: 1\n');
  writeFileSync(join(dir, 'vars.yaml'), 'x: from file\n');
  writeFileSync(join(dir, 'play.yaml'), '- hosts: all\n  vars: {x: play}\n  vars_files: [vars.yaml, missing.yaml]\n  tasks:\n    - import_tasks: inner.yaml\n      when: x != 1\n    - include_tasks: "{{ f }}"\n');
  const err = t.throws(() => loadPlaybook(join(dir, 'play.yaml'), testRegistry)) as ValidationError;
  const found = err.diagnostics.map((d) => `${(d.file ?? '').slice(dir.length + 1)}:${d.line}:${d.col} ${d.message}`).sort();
  t.match(found, [/^inner.yaml:3:3 unknown module or keyword "bogus_module"/, /^missing.yaml:.*no such file/, /^play.yaml:7:22 include_tasks: a templated file name is not supported/]);
  writeFileSync(join(dir, 'inner.yaml'), '- name: inner\n  shell: echo {{ x }}\n  when: x is defined\n');
  writeFileSync(join(dir, 'play.yaml'), '- hosts: all\n  vars: {x: play}\n  vars_files: vars.yaml\n  tasks:\n    - import_tasks: inner.yaml\n      when: x != 1\n      tags: [t1]\n');
  const play = loadPlaybook(join(dir, 'play.yaml'), testRegistry).plays[0];
  t.equal(play.vars.x, 'from file', 'vars_files override play vars');
  t.strictSame(leafTasks(play.tasks).map((task) => [task.name, task.when, task.tags]), [['inner', ['x != 1', 'x is defined'], ['t1']]], "the include's when comes first, its tags are added");
});

t.test('notify resolves handler names and listen topics of the same play', async (t) => {
  const text = [
    '- hosts: all',
    '  tasks:',
    '    - shell: a',
    '      notify: [by name, by topic, nowhere]',
    '  handlers:',
    '    - name: by name',
    '      shell: r',
    '    - name: other',
    '      shell: r',
    '      listen: by topic',
    '- hosts: all',
    '  tasks:',
    '    - shell: b',
    '      notify: by name',
    '',
  ].join('\n');
  t.strictSame(problems(writePlaybook(text)), [
    '4:35 notify: no handler named or listening to "nowhere"; handlers: by name, other, by topic',
    '14:15 notify: no handler named or listening to "by name"; this play has no handlers',
  ]);
});

t.test('template and condition syntax is checked everywhere, raw arguments as expressions', async (t) => {
  const text = [
    '- name: "{{ play name"',
    '  hosts: all',
    '  vars:',
    '    a: "{{ 1 + }}"',
    '  tasks:',
    '    - shell: "echo {{ x | nofilter }}"',
    '      when: ["ok", "x ==="]',
    '    - assert:',
    '        that: ["x is definedd"]',
    '      vars: {b: "{{ [ }}"}',
    '      delegate_to: "{{ h"',
    '',
  ].join('\n');
  const found = problems(writePlaybook(text));
  t.same(
    found.map((p) => p.split(' ')[0]),
    ['1:9', '4:8', '6:14', '7:20', '9:16', '10:17', '11:20'],
  );
  t.match(found[4], /unknown test "definedd"/, 'assert "that" is checked as a condition');
});

t.test('serial and hosts forms', async (t) => {
  const file = writePlaybook('- hosts: server\n  serial: 2\n  tasks: []\n- hosts: agent\n  serial: "30%"\n');
  const [a, b] = loadPlaybook(file, testRegistry).plays;
  t.strictSame(a.serial, [2]);
  t.strictSame(b.serial, ['30%']);
  t.strictSame(b.tasks, []);
  t.strictSame(problems(writePlaybook('- hosts: all\n  serial: "0%"\n  gather_facts: maybe\n')), [
    '2:11 serial: must be integer, got string, or must match pattern "^(100|[1-9][0-9]?)%$", or must be array, got string',
    '3:17 gather_facts: must be boolean, got string',
  ]);
  t.strictSame(problems(writePlaybook('- hosts: all\n  tasks:\n    - shell: x\n      when: 3\n')), [
    '4:13 when: must be string, got number, or must be boolean, got number, or must be array, got number',
  ]);
});

t.test('a name is made up from the module and its arguments when missing', async (t) => {
  const long = 'x'.repeat(100);
  const file = writePlaybook(`- hosts: all\n  tasks:\n    - shell: "${long}"\n    - copy: {dest: /a, content: "{{ c }}"}\n`);
  const [a, b] = leafTasks(loadPlaybook(file, testRegistry).plays[0].tasks);
  t.equal(a.name, `shell ${'x'.repeat(59)}…`);
  t.equal(b.name, 'copy dest=/a content={{ c }}');
});
