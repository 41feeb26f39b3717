import t from 'tap';
import {
  conditionSyntaxErrors,
  evaluateCondition,
  evaluateExpression,
  renderString,
  renderValue,
  TemplateEvaluationError,
  TemplateSyntaxError,
  templateSyntaxErrors,
  UndefinedVariableError,
} from '../../src/template/index.ts';

const vars = {
  n: 7,
  f: 1.5,
  s: 'Hello',
  yes: true,
  nothing: null,
  list: [1, 2, 3],
  dict: { a: 'x', nested: { deep: 5 }, 'dash-key': 'dk' },
  k3s: { data_dir: '/var/lib/rancher/k3s' },
  users: [{ name: 'ann', admin: true }, { name: 'bob', admin: false }],
};
const ev = (expr: string) => evaluateExpression(expr, vars);

t.test('literals', async (t) => {
  t.equal(ev("'single'"), 'single');
  t.equal(ev('"double"'), 'double');
  t.equal(evaluateCondition("'it\\'s\\n' == x", { x: "it's\n" }), true, 'a condition decodes escapes as Jinja2 does');
  t.equal(ev("'a\\nb'"), 'a\\nb', 'a template keeps backslashes as written (Ansible doubles them before Jinja2 reads them)');
  t.equal(ev("'a' 'b'"), 'ab', 'adjacent strings concatenate');
  t.equal(ev('42'), 42);
  t.equal(ev('2.5'), 2.5);
  t.equal(ev('true'), true);
  t.equal(ev('True'), true);
  t.equal(ev('false'), false);
  t.equal(ev('False'), false);
  t.equal(ev('none'), null);
  t.equal(ev('None'), null);
  t.equal(ev('null'), null);
  t.strictSame(ev('[1, "two", [3]]'), [1, 'two', [3]]);
  t.strictSame(ev('[]'), []);
  t.strictSame(ev("{'a': 1, 'b': {'c': [2]}}"), { a: 1, b: { c: [2] } });
  t.strictSame(ev('(1, 2)'), [1, 2], 'a tuple is a list');
});

t.test('variables, dotted paths and indexing', async (t) => {
  t.equal(ev('n'), 7);
  t.equal(ev('k3s.data_dir'), '/var/lib/rancher/k3s');
  t.equal(ev("dict['a']"), 'x');
  t.equal(ev("dict['dash-key']"), 'dk');
  t.equal(ev('dict.nested.deep'), 5);
  t.equal(ev("dict['nested']['deep']"), 5);
  t.equal(ev('list[0]'), 1);
  t.equal(ev('list[-1]'), 3, 'negative index counts from the end');
  t.equal(ev('list.1'), 2, 'a numeric attribute is an index');
  t.equal(ev('users[1].name'), 'bob');
  t.equal(ev('s[0]'), 'H');
  t.strictSame(ev('list[1:]'), [2, 3]);
  t.equal(ev('s[:2]'), 'He');
  t.equal(ev("dict[('a')]"), 'x');
});

t.test('operators', async (t) => {
  t.equal(ev('n == 7'), true);
  t.equal(ev('n != 7'), false);
  t.equal(ev('n < 8'), true);
  t.equal(ev('n > 8'), false);
  t.equal(ev('n <= 7'), true);
  t.equal(ev('n >= 8'), false);
  t.equal(ev("'a' < 'b'"), true);
  t.equal(ev('1 < n < 10'), true, 'chained comparison');
  t.equal(ev('10 < n < 20'), false);
  t.equal(ev('list == [1, 2, 3]'), true, 'lists compare by value');
  t.equal(ev("dict.nested == {'deep': 5}"), true, 'mappings compare by value');
  t.equal(ev('2 in list'), true);
  t.equal(ev('9 not in list'), true);
  t.equal(ev("'ell' in s"), true);
  t.equal(ev("'a' in dict"), true, 'in a mapping tests keys');
  t.equal(ev("'zz' in dict"), false);
  t.equal(ev('yes and n'), 7, 'and returns an operand');
  t.equal(ev('nothing or "fallback"'), 'fallback', 'or returns an operand');
  t.equal(ev('not yes'), false);
  t.equal(ev('not n == 8'), true, 'not binds looser than ==');
  t.equal(ev('(1 + 2) * 3'), 9);
  t.equal(ev('1 + 2 * 3'), 7);
  t.equal(ev('n - 10'), -3);
  t.equal(ev('n / 2'), 3.5);
  t.equal(ev('n // 2'), 3);
  t.equal(ev('-7 % 3'), 2, 'modulo follows Python');
  t.equal(ev('-n'), -7);
  t.equal(ev("'a' + 'b'"), 'ab');
  t.strictSame(ev('list + [4]'), [1, 2, 3, 4]);
  t.equal(ev("s ~ '-' ~ n ~ yes"), 'Hello-7True', '~ converts to text as Python writes it');
  t.equal(ev("'big' if n > 5 else 'small'"), 'big');
  t.equal(ev("'big' if n > 50 else 'small'"), 'small');
  t.equal(ev("1 if false else 2 if true else 3"), 2, 'ternaries nest');
});

t.test('tests with is', async (t) => {
  t.equal(ev('n is defined'), true);
  t.equal(ev('missing is defined'), false);
  t.equal(ev('missing is undefined'), true);
  t.equal(ev('missing is not defined'), true);
  t.equal(ev('dict.nope is defined'), false);
  t.equal(ev('missing.deeper is defined'), false, 'a path under an undefined name is undefined, not an error');
  t.equal(ev('nothing is none'), true);
  t.equal(ev('s is string'), true);
  t.equal(ev('n is number and n is integer and f is float'), true);
  t.equal(ev('yes is boolean and yes is true and not (yes is false)'), true);
  t.equal(ev('dict is mapping and list is sequence'), true);
  t.equal(ev('n is eq(7) and n is ne(8)'), true);
  t.equal(ev('2 is in(list)'), true);
  // Ansible's LooseVersion (lib/ansible/module_utils/compat/version.py): a `v` is a word, on both sides or neither.
  t.equal(ev("'v1.30.6+k3s1' is version('v1.30.6', '>=')"), true);
  t.equal(ev("'v1.28.9+k3s1' is version('v1.28.15', '>=')"), false, 'versions compare numerically, not as text');
  t.equal(ev("'1.29' is version('1.29.0', 'lt')"), true, 'a shorter version is the smaller one');
  t.equal(ev("'1.30.10' is version('1.30.9', 'gt')"), true);
  t.throws(() => ev("'v1.30.6' is version('1.30.0', '>=')"), /Version comparison failed/, 'a word meeting a number is an error, as in Python 3');
  t.throws(() => ev("'latest' is version('1.30.0', '>=')"), /Version comparison failed/);
  const results = { r: { changed: true, failed: false, skipped: false } };
  t.equal(evaluateExpression('r is changed and r is succeeded and r is not failed and r is not skipped', results), true);
});

t.test('undefined variables name the path that failed', async (t) => {
  const check = (expr: string, variable: string) => {
    const err = t.throws(() => ev(expr), UndefinedVariableError) as UndefinedVariableError;
    t.equal(err.variable, variable);
    t.equal(err.message, `undefined variable: ${variable}`);
  };
  check('foo', 'foo');
  check('foo.bar', 'foo.bar');
  check('k3s.data_dri', 'k3s.data_dri');
  check('dict.nested.none.deeper', 'dict.nested.none.deeper');
  check("dict['zz']", "dict['zz']");
  check('list[10]', 'list[10]');
  check('n + foo', 'foo');
  check('dict[key]', 'key');
  t.throws(() => renderValue('x {{ nope }} y', vars), { name: 'UndefinedVariableError', message: 'undefined variable: nope' });
});

t.test('default guards undefined values', async (t) => {
  t.equal(ev('foo | default(3)'), 3);
  t.equal(ev('foo.bar.baz | default("x")'), 'x');
  t.equal(ev('foo | d(3)'), 3, 'd is default');
  t.equal(ev('foo | default'), '', 'default without a value is the empty string');
  t.equal(ev('n | default(3)'), 7, 'a defined value passes');
  t.equal(ev("'' | default('e')"), '', 'a falsy defined value passes');
  t.equal(ev("'' | default('e', true)"), 'e', 'boolean=true replaces falsy values');
  t.equal(ev("nothing | default('e', boolean=true)"), 'e');
  t.equal(ev('(foo | default({})).bar | default(1)'), 1);
  t.throws(() => ev('foo | default(bar)'), { message: 'undefined variable: bar' }, 'the fallback itself must be defined');
});

t.test('renderValue keeps native types for a lone expression', async (t) => {
  t.strictSame(renderValue('{{ list }}', vars), [1, 2, 3]);
  t.equal(renderValue('  {{ n }}  ', vars), 7, 'surrounding whitespace is allowed');
  t.equal(renderValue('{{ yes }}', vars), true);
  t.equal(renderValue('{{ nothing }}', vars), null);
  t.strictSame(renderValue('{{ dict.nested }}', vars), { deep: 5 });
  t.strictSame(renderValue("{{ {'a': {'b': 1}} }}", vars), { a: { b: 1 } }, '}} closing a dict literal is not the end');
  t.equal(renderValue('n={{ n }}', vars), 'n=7');
  t.equal(renderValue('{{ n }}{{ n }}', vars), '77', 'two expressions make text');
  t.equal(renderValue('{{ list }} and {{ dict.nested }}', vars), "[1, 2, 3] and {'deep': 5}", 'objects are interpolated as Python writes them');
  t.equal(renderValue('{{ yes }}/{{ nothing }}', vars), 'True/', 'none inside text is empty');
  t.equal(renderValue('plain', vars), 'plain');
  t.equal(renderValue('{{ "{{ literal }}" }}', vars), '{{ literal }}', 'braces can be written as a string');
  t.equal(renderValue(5, vars), 5);
  t.equal(renderValue(null, vars), null);
});

t.test('renderValue renders nested structures, keys included', async (t) => {
  const input = { '{{ s | lower }}': ['{{ n }}', { deep: 'dir={{ k3s.data_dir }}' }], flag: false, count: 3 };
  t.strictSame(renderValue(input, vars), { hello: [7, { deep: 'dir=/var/lib/rancher/k3s' }], flag: false, count: 3 });
  t.strictSame(input['{{ s | lower }}'], ['{{ n }}', { deep: 'dir={{ k3s.data_dir }}' }], 'the input is not modified');
});

t.test('renderString renders a multi-line manifest', async (t) => {
  const manifest = 'kind: ConfigMap\ndata:\n  dir: "{{ k3s.data_dir }}"\n  config: |\n    {{ dict.nested | to_nice_json(2) | indent(4) }}\n  count: {{ n }}\n';
  t.equal(
    renderString(manifest, vars),
    'kind: ConfigMap\ndata:\n  dir: "/var/lib/rancher/k3s"\n  config: |\n    {\n      "deep": 5\n    }\n  count: 7\n',
  );
  t.equal(renderString('{{ n }}', vars), '7', 'always text');
  t.equal(renderString('echo ${#arr[@]} {a}', vars), 'echo ${#arr[@]} {a}', 'shell braces are left alone');
});

t.test('conditions', async (t) => {
  t.equal(evaluateCondition('n > 5', vars), true);
  t.equal(evaluateCondition('{{ n > 5 }}', vars), true, '{{ }} around a condition is tolerated');
  t.equal(evaluateCondition(false, vars), false);
  t.equal(evaluateCondition(true, vars), true);
  t.equal(evaluateCondition(['n > 5', true, 's == "Hello"'], vars), true, 'a list means all');
  t.equal(evaluateCondition(['n > 5', 'n > 50'], vars), false);
  t.equal(evaluateCondition('list', vars), true, 'a non-empty list is true');
  t.equal(evaluateCondition('dict.missing | default([])', vars), false, 'an empty list is false');
  t.equal(evaluateCondition("''", vars), false);
  t.throws(() => evaluateCondition('x is defined and x > 1 or nope', vars), UndefinedVariableError);
  t.equal(evaluateCondition('{{ n }} > 5', vars), true, 'a condition is rendered, then read as an expression');
  t.strictSame(conditionSyntaxErrors(['n > 1', '{{ n > 1 }}', true]), []);
  t.equal(conditionSyntaxErrors(['n >', 'ok']).length, 1);
});

t.test('syntax errors are found without evaluating', async (t) => {
  t.strictSame(templateSyntaxErrors({ a: ['{{ undefined_is_fine }}', 'text', 3], b: '{{ x | default(1) }}' }), []);
  const errors = templateSyntaxErrors(['{{ a ', '{{ a b }}', { k: '{{ x | nosuch }}' }, '{% if x %}y{% endif %}', '{{ x.lower() }}', '{{ }}', "{{ 'open }}", '{{ (a }}', '{{ a ] }}']);
  t.equal(errors.length, 9);
  t.match(errors[0], /unclosed "\{\{"/);
  t.match(errors[1], /unexpected "b"/);
  t.match(errors[2], /unknown filter "nosuch"/);
  t.match(errors[3], /control blocks/);
  t.match(errors[4], /calls are not supported/);
  t.match(errors[5], /empty expression/);
  t.match(errors[6], /unterminated string/);
  t.match(errors[7], /expected "\)", got "}"/);
  t.match(errors[8], /unbalanced/);
  t.match(templateSyntaxErrors({ '{{ bad key': 1 })[0], /unclosed/, 'keys are checked too');
  t.throws(() => renderValue('{{ a b }}', vars), TemplateSyntaxError);
  t.throws(() => ev('n is nosuchtest'), /unknown test "nosuchtest"/);
  t.throws(() => ev('1 if n'), /expected "else"/);
});

t.test('type errors are evaluation errors', async (t) => {
  t.throws(() => ev('n + s'), TemplateEvaluationError);
  t.throws(() => ev('n < s'), /cannot compare/);
  t.throws(() => ev('n / 0'), /division by zero/);
  t.throws(() => ev('1 in n'), /"in" needs/);
  t.throws(() => ev('-s'), /needs a number/);
});

t.test('hostile input never reaches JavaScript internals', async (t) => {
  const hostile = [
    'constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
    'dict.constructor', 'dict.__proto__', 'dict.constructor.constructor', "dict['constructor']",
    "dict['__proto__']", 's.length', 's.constructor', 'list.length', 'list.constructor', "list['map']",
    'n.constructor', 'users[0].constructor.constructor', "dict['__proto__']['polluted']",
  ];
  for (const expr of hostile) {
    t.throws(() => ev(expr), UndefinedVariableError, expr);
    t.equal(renderValue(`{{ ${expr} | default('safe') }}`, vars), 'safe', `${expr} with default`);
  }
  t.throws(() => ev('constructor.constructor("return process")()'), TemplateSyntaxError, 'no calls');
  t.throws(() => ev("dict['constructor']['constructor']('x')"), TemplateSyntaxError);

  // A dict literal with a __proto__ key makes an ordinary key, never a prototype.
  const made = ev("{'__proto__': {'polluted': 1}}") as Record<string, unknown>;
  t.equal(Object.getPrototypeOf(made), Object.prototype);
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  t.ok(Object.prototype.hasOwnProperty.call(made, '__proto__'));
  const rendered = renderValue({ '{{ "__proto__" }}': { polluted: 1 } }, vars) as Record<string, unknown>;
  t.equal(Object.getPrototypeOf(rendered), Object.prototype);
  t.equal(({} as Record<string, unknown>).polluted, undefined);

  // Functions and class instances in the variables are not visible.
  class Secret {
    token = 'x';
  }
  const tricky = { fn: () => 1, inst: new Secret(), date: new Date(0), own: JSON.parse('{"__proto__": "data"}') };
  t.throws(() => evaluateExpression('fn', tricky), UndefinedVariableError);
  t.throws(() => evaluateExpression('inst.token', tricky), UndefinedVariableError);
  t.throws(() => evaluateExpression('date.getTime', tricky), UndefinedVariableError);
  t.equal(evaluateExpression("own['__proto__']", tricky), 'data', 'an own __proto__ key of plain data is data');

  // Variable scopes layered with Object.create stay visible; built-in prototypes do not.
  const scope = Object.assign(Object.create(vars), { local: 1 });
  t.equal(evaluateExpression('local + n', scope), 8);
  t.throws(() => evaluateExpression('hasOwnProperty', scope), UndefinedVariableError);

  t.throws(() => ev('['.repeat(200) + ']'.repeat(200)), /nested too deeply/, 'deep nesting is refused, not a stack overflow');
});
