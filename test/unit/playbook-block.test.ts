/**
 * block / rescue / always at load time: the block's keywords reach its tasks as
 * ansible-core 2.14 hands them down (playbook/base.py _get_parent_attribute), nested blocks
 * and includes inside blocks merge in order, and every mistake has its file:line:col.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ValidationError } from '../../src/errors.ts';
import { loadPlaybook } from '../../src/playbook/load.ts';
import { isBlock, leafTasks, type BlockSpec } from '../../src/playbook/types.ts';
import { testRegistry } from '../fixtures/playbooks/test-registry.ts';

function write(text: string, dir = mkdtempSync(join(tmpdir(), 'pb-block-'))): string {
  const file = join(dir, 'play.yaml');
  writeFileSync(file, text);
  return file;
}

function problems(file: string): string[] {
  try {
    loadPlaybook(file, testRegistry);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);
  }
  throw new Error(`${file} loaded without errors`);
}

t.test('a block keeps its sections; its keywords reach its tasks, the task\'s own win', async (t) => {
  const file = write(`- hosts: all
  tags: [play]
  tasks:
    - name: outer
      when: a is defined
      tags: [outer]
      become: true
      become_user: deploy
      ignore_errors: true
      vars: {v: block, w: block}
      block:
        - name: first
          shell: echo {{ v }}
          when: b is defined
          vars: {v: task}
          become_user: root
          tags: [own]
        - name: inner
          when: c is defined
          no_log: true
          block:
            - name: deep
              shell: echo deep
              ignore_errors: false
      rescue:
        - name: fix
          shell: echo fix
      always:
        - name: last
          shell: echo last
`);
  const [block] = loadPlaybook(file, testRegistry).plays[0].tasks;
  t.ok(isBlock(block), 'the entry is a block');
  const b = block as BlockSpec;
  t.equal(b.name, 'outer');
  t.strictSame(b.position, { file, line: 4, col: 7 });
  t.strictSame([b.block.length, b.rescue.length, b.always.length], [2, 1, 1]);
  const [first, deep, fix, last] = leafTasks([b]);
  t.strictSame(first.when, ['a is defined', 'b is defined'], "the block's when comes first");
  t.strictSame(first.tags, ['play', 'own', 'outer'], 'tags are the union');
  t.strictSame(first.vars, { v: 'task', w: 'block' }, "the task's vars over the block's");
  t.equal(first.become, true, 'become from the block');
  t.equal(first.becomeUser, 'root', "the task's own become_user wins");
  t.equal(first.ignoreErrors, true, 'ignore_errors from the block');
  t.strictSame(deep.when, ['a is defined', 'c is defined'], 'nested: outer when, then inner');
  t.equal(deep.noLog, true, 'no_log from the inner block');
  t.equal(deep.ignoreErrors, false, "the task's own ignore_errors: false wins over the block's true");
  t.strictSame(deep.tags, ['play', 'outer']);
  t.strictSame([fix.name, fix.when, last.name, last.when], ['fix', 'a is defined', 'last', 'a is defined'], 'rescue and always inherit too');
});

t.test('an include inside a block, and a block in an included file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-block-inc-'));
  writeFileSync(join(dir, 'inner.yaml'), '- block:\n    - name: inside\n      shell: echo in\n  rescue:\n    - name: saved\n      shell: echo saved\n  tags: [file]\n');
  const file = write('- hosts: all\n  tasks:\n    - block:\n        - import_tasks: inner.yaml\n          when: i is defined\n      when: b is defined\n', dir);
  const [outer] = loadPlaybook(file, testRegistry).plays[0].tasks as BlockSpec[];
  const inner = outer.block[0] as BlockSpec;
  t.ok(isBlock(inner), 'the included file\'s block stays a block');
  t.equal(inner.rescue.length, 1);
  const [inside] = leafTasks([outer]);
  t.strictSame(inside.when, ['b is defined', 'i is defined'], "block's when, then the include's");
  t.strictSame(inside.tags, ['file']);
  t.strictSame(inside.position, { file: join(dir, 'inner.yaml'), line: 2, col: 7 });
});

t.test('blocks in handlers: their tasks are the handlers, with the block\'s keywords', async (t) => {
  const file = write('- hosts: all\n  tasks:\n    - shell: echo\n      notify: h\n  handlers:\n    - block:\n        - name: h\n          shell: echo h\n      when: x is defined\n');
  const [h] = loadPlaybook(file, testRegistry).plays[0].handlers;
  t.strictSame([h.name, h.when], ['h', 'x is defined']);
  t.strictSame(problems(write('- hosts: all\n  handlers:\n    - block:\n        - name: h\n          shell: echo h\n      rescue: []\n')), ['6:7 "rescue" is not supported in handlers']);
});

t.test('mistakes in blocks are reported at file:line:col, all at once', async (t) => {
  const file = write(`- hosts: all
  tasks:
    - block: just text
    - rescue:
        - shell: echo
    - block:
        - shell: echo
      shell: echo beside
      loop: [1, 2]
    - block:
        - bogus_module: 1
      when: "x =="
      always: {shell: echo}
`);
  t.strictSame(problems(file).sort(), [
    '9:7 "loop" is not valid on a block; a block takes name, when, tags, vars, become, become_user, delegate_to, ignore_errors, no_log, any_errors_fatal, run_once, notify, block, rescue, always (modules go in its tasks)',
    '11:11 unknown module or keyword "bogus_module"; known modules: ' + Object.keys(testRegistry).sort().join(', '),
    '12:13 unexpected end of expression at column 5 of "x =="',
    '13:15 always: must be array, got mapping',
    '3:14 block: must be array, got string',
    '4:7 "rescue" is only valid in a block: add "block:" with the tasks it follows',
    '8:7 "shell" is not valid on a block; a block takes name, when, tags, vars, become, become_user, delegate_to, ignore_errors, no_log, any_errors_fatal, run_once, notify, block, rescue, always (modules go in its tasks)',
  ].sort());
});
