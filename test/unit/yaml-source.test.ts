import t from 'tap';
import { parseYamlText } from '../../src/source/yaml-source.ts';
import { createAjv, schemaDiagnostics } from '../../src/source/schema-check.ts';

t.test('duplicate keys and syntax errors are positioned', async (t) => {
  const src = parseYamlText('a: 1\nb: 2\na: 3\n', 'x.yaml');
  t.equal(src.value, undefined);
  t.equal(src.diagnostics.length, 1);
  t.match(src.diagnostics[0], { file: 'x.yaml', line: 3, col: 1, message: /unique/i });
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
