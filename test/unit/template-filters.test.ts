import t from 'tap';
import { evaluateExpression, renderValue, TemplateEvaluationError, UndefinedVariableError } from '../../src/template/index.ts';

const vars = {
  list: [3, 1, 2],
  words: ['a', 'b', 'c'],
  users: [
    { name: 'ann', admin: true, shell: '/bin/bash' },
    { name: 'bob', admin: false },
    { name: 'cid', admin: true, shell: '/bin/sh' },
  ],
  cfg: { a: 1, nested: { x: 1, y: 2 } },
  text: '  Mixed Case  ',
  path: '/var/lib/rancher/k3s/data/cni/host-local',
  num: '42',
};
const ev = (expr: string) => evaluateExpression(expr, vars);

t.test('type conversion filters', async (t) => {
  for (const [input, expected] of [["'yes'", true], ["'True'", true], ["'on'", true], ['1', true], ["'no'", false], ["'false'", false], ['0', false], ["'y'", false], ["'t'", false]] as const) {
    t.equal(ev(`${input} | bool`), expected, `${input} | bool`);
  }
  t.equal(ev('none | bool'), null, 'none stays none (to_bool in lib/ansible/plugins/filter/core.py)');
  t.equal(ev('num | int'), 42);
  t.equal(ev("'1e3' | int"), 1000, "int(float('1e3')), as Jinja2's do_int falls back to");
  t.equal(ev("'08' | int"), 8);
  t.equal(ev("'3.9' | int"), 3);
  t.equal(ev("'abc' | int"), 0, 'unparsable text is 0, as in Ansible');
  t.equal(ev("'abc' | int(7)"), 7, 'or the given default');
  t.equal(ev("'ff' | int(base=16)"), 255);
  t.equal(ev('true | int'), 1);
  t.equal(ev("'2.5' | float"), 2.5);
  t.equal(ev('42 | string'), '42');
  t.equal(ev('words | string'), "['a', 'b', 'c']", "Python's str() of a list");
  t.equal(ev('(num | int) + 1'), 43);
});

t.test('text filters', async (t) => {
  t.equal(ev('text | lower'), '  mixed case  ');
  t.equal(ev('text | upper'), '  MIXED CASE  ');
  t.equal(ev('text | trim'), 'Mixed Case');
  t.equal(ev("'hello' | capitalize"), 'Hello');
  t.equal(ev("'a-b-c' | replace('-', '+')"), 'a+b+c');
  t.equal(ev("'a-b-c' | replace('-', '+', 1)"), 'a+b-c');
  t.strictSame(ev("'a,b' | split(',')"), ['a', 'b']);
  t.strictSame(ev("' a  b ' | split"), ['a', 'b']);
  t.equal(ev('path | basename'), 'host-local');
  t.equal(ev('path | dirname'), '/var/lib/rancher/k3s/data/cni');
  t.equal(ev("\"it's $(x)\" | quote"), `'it'\\''s $(x)'`, 'quote makes one shell word');
  t.equal(ev("'plain' | quote"), 'plain');
  t.equal(ev('list | lower'), '[3, 1, 2]', "Jinja2's lower takes the text of any value");
});

t.test('indent', async (t) => {
  // A template's string literals keep backslashes as written (as Ansible's do), so the text comes from variables.
  const lines = (expr: string, text: string) => evaluateExpression(expr, { text });
  t.equal(lines('text | indent', 'a\nb\n\nc'), 'a\n    b\n\n    c', 'default: 4 spaces, not the first line, not blank lines');
  t.equal(lines('text | indent(2)', 'a\nb'), 'a\n  b');
  t.equal(lines('text | indent(2, true)', 'a\nb'), '  a\n  b');
  t.equal(lines('text | indent(2, first=true)', 'a\nb'), '  a\n  b');
  t.equal(lines('text | indent(2, blank=true)', 'a\n\nb'), 'a\n  \n  b');
  t.equal(lines("text | indent('> ')", 'a\nb'), 'a\n> b', 'a string width is the prefix');
});

t.test('JSON, YAML and base64', async (t) => {
  t.equal(ev('cfg | to_json'), '{"a": 1, "nested": {"x": 1, "y": 2}}', "Python's json.dumps spacing");
  t.equal(ev("'s' | to_json"), '"s"');
  t.equal(ev('cfg.nested | to_nice_json'), '{\n    "x": 1,\n    "y": 2\n}');
  t.equal(ev('cfg.nested | to_nice_json(2)'), '{\n  "x": 1,\n  "y": 2\n}');
  t.strictSame(ev('\'{"a": [1, true, null]}\' | from_json'), { a: [1, true, null] });
  t.throws(() => ev("'{bad' | from_json"), /from_json/);
  t.equal(ev('cfg.nested | to_yaml'), 'x: 1\ny: 2\n');
  t.strictSame(ev("'a: [1, 2]' | from_yaml"), { a: [1, 2] });
  t.equal(ev("'héllo' | b64encode"), 'aMOpbGxv');
  t.equal(ev("'aMOpbGxv' | b64decode"), 'héllo');
  t.equal(evaluateExpression('text | b64decode', { text: 'aMOp\nbGxv' }), 'héllo', 'line breaks in base64 are ignored');
  t.throws(() => ev("'not base64!' | b64decode"), /b64decode/);
  t.strictSame(ev("cfg | to_json | from_json"), vars.cfg, 'round trip');
});

t.test('list filters', async (t) => {
  t.equal(ev('list | length'), 3);
  t.equal(ev('list | count'), 3);
  t.equal(ev("'abc' | length"), 3);
  t.equal(ev('cfg | length'), 2);
  t.equal(ev('list | first'), 3);
  t.equal(ev('list | last'), 2);
  t.equal(ev("'xyz' | first"), 'x');
  t.throws(() => ev('[] | first'), UndefinedVariableError);
  t.equal(ev('[] | first | default("none")'), 'none');
  t.equal(ev("words | join(', ')"), 'a, b, c');
  t.equal(ev('words | join'), 'abc');
  t.equal(ev("[1, 'x', true, none] | join('-')"), '1-x-True-None', "items as Python's str() writes them");
  t.equal(ev("users | join(',', attribute='name')"), 'ann,bob,cid');
  t.strictSame(ev('list | sort'), [1, 2, 3]);
  t.strictSame(ev('list | sort(reverse=true)'), [3, 2, 1]);
  t.strictSame(ev("users | sort(attribute='name', reverse=true) | map(attribute='name')"), ['cid', 'bob', 'ann']);
  t.strictSame(ev('list | reverse'), [2, 1, 3]);
  t.strictSame(ev('[1, 2, 1, [1], [1]] | unique'), [1, 2, [1]]);
  t.equal(ev('list | min'), 1);
  t.equal(ev('list | max'), 3);
  t.equal(ev('list | sum'), 6);
  t.strictSame(ev('[1, [2, [3]]] | flatten'), [1, 2, 3]);
  t.strictSame(ev('[1, [2, [3]]] | flatten(1)'), [1, 2, [3]]);
  t.strictSame(ev('cfg | list'), ['a', 'nested']);
});

t.test('map, select, reject, selectattr, rejectattr', async (t) => {
  t.strictSame(ev("users | map(attribute='name')"), ['ann', 'bob', 'cid']);
  t.strictSame(ev("users | map(attribute='shell', default='none')"), ['/bin/bash', 'none', '/bin/sh']);
  t.throws(() => ev("users | map(attribute='shell')"), { name: 'UndefinedVariableError', message: 'undefined variable: item.shell (in map)' });
  t.strictSame(ev("words | map('upper')"), ['A', 'B', 'C']);
  t.strictSame(ev("['1', '2'] | map('int')"), [1, 2]);
  t.strictSame(ev('[0, 1, none, 2, ""] | select'), [1, 2]);
  t.strictSame(ev('[0, 1, none, 2, ""] | reject'), [0, null, '']);
  t.strictSame(ev("list | select('eq', 1)"), [1]);
  t.strictSame(ev("list | reject('in', [1, 2])"), [3]);
  t.strictSame(ev("users | selectattr('admin') | map(attribute='name')"), ['ann', 'cid']);
  t.strictSame(ev("users | rejectattr('admin') | map(attribute='name')"), ['bob']);
  t.strictSame(ev("users | selectattr('shell', 'defined') | map(attribute='name')"), ['ann', 'cid']);
  t.strictSame(ev("users | selectattr('shell', 'undefined') | map(attribute='name')"), ['bob']);
  t.strictSame(ev("users | selectattr('name', 'equalto', 'bob') | map(attribute='admin')"), [false]);
  t.throws(() => ev("list | map('nosuch')"), /unknown filter "nosuch"/);
});

t.test('mapping filters', async (t) => {
  t.strictSame(ev('cfg.nested | dict2items'), [{ key: 'x', value: 1 }, { key: 'y', value: 2 }]);
  t.strictSame(ev('cfg.nested | dict2items | items2dict'), { x: 1, y: 2 });
  t.strictSame(ev("[{'k': 'a', 'v': 1}] | items2dict(key_name='k', value_name='v')"), { a: 1 });
  t.strictSame(ev("cfg | combine({'a': 2, 'b': 3})"), { a: 2, nested: { x: 1, y: 2 }, b: 3 });
  t.strictSame(ev("cfg | combine({'nested': {'y': 9}})"), { a: 1, nested: { y: 9 } }, 'shallow by default');
  t.strictSame(ev("cfg | combine({'nested': {'y': 9}}, recursive=true)"), { a: 1, nested: { x: 1, y: 9 } });
  t.strictSame(vars.cfg, { a: 1, nested: { x: 1, y: 2 } }, 'inputs are not modified');
});

t.test('filters bind tighter than operators and chain left to right', async (t) => {
  t.equal(ev('1 + num | int'), 43);
  t.equal(ev('-3 | abs'), 3, 'unary minus applies before the filter, as in Jinja');
  t.equal(ev("words | join(',') | upper | length"), 5);
  t.equal(ev("list | ansible.builtin.length"), 3, 'the ansible.builtin prefix is accepted');
  t.equal(renderValue('{{ users | selectattr("admin") | list | length }}', vars), 2, 'native type through a filter chain');
});
