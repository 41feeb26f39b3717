import t from 'tap';
import { parseYamlText } from '../../src/source/yaml-source.ts';
import { createAjv, schemaDiagnostics } from '../../src/source/schema-check.ts';

t.test('a duplicate key is a positioned warning and the last value wins, as in Ansible', async (t) => {
  const src = parseYamlText('a: 1\nb: 2\na: 3\n', 'x.yaml');
  t.same(src.value, { a: 3, b: 2 });
  t.equal(src.diagnostics.length, 0);
  t.same(src.warnings, [{ file: 'x.yaml', line: 3, col: 1, message: 'duplicate key "a" (first at line 1); the last value is used, as Ansible does' }]);
  t.same(src.positionOf(['a']), { file: 'x.yaml', line: 3, col: 4 }, 'positions point at the value used');
});

t.test('syntax errors are positioned', async (t) => {
  const src = parseYamlText('a: [1\n', 'x.yaml');
  t.equal(src.value, undefined);
  t.match(src.diagnostics[0], { file: 'x.yaml', line: Number, col: Number });
});

t.test("YAML 1.1 scalars as PyYAML resolves them (Ansible's loader)", async (t) => {
  const src = parseYamlText('[yes, No, on, OFF, y, n, 0644, 08, 1e3, 1.0e+3, 0x1F, "0644", 2001-12-14, 1:20]\n', 'x.yaml');
  t.same(src.value, [true, false, true, false, 'y', 'n', 0o644, '08', '1e3', 1000, 31, '0644', '2001-12-14', 80]);
});

t.test('schema errors point at the offending value or key', async (t) => {
  const src = parseYamlText('hosts:\n  n1:\n    port: abc\n    colour: red\n', 'inv.yaml');
  const ajv = createAjv();
  const validate = ajv.compile({
    type: 'object',
    properties: {
      hosts: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: { port: { type: 'integer' } },
          additionalProperties: false,
        },
      },
    },
  });
  const diags = schemaDiagnostics(validate, src.value, src);
  t.equal(diags.length, 2);
  const port = diags.find((d) => /port/.test(d.message));
  t.match(port, { line: 3, col: 11, message: 'port: must be integer, got string' });
  const colour = diags.find((d) => /colour/.test(d.message));
  t.match(colour, { line: 4, col: 5, message: /unknown key "colour"/ });
});
