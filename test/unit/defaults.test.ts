import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { COMMAND_HELP } from '../../src/cli/help.ts';
import { evaluateExpression, UndefinedVariableError } from '../../src/template/index.ts';
import { registry } from '../../tasks/index.ts';
import {
  DEFAULT_BACKUP_DIR,
  DEFAULT_EXTRA_CNI_PLUGINS,
  DEFAULT_PODS_GONE_TIMEOUT,
  DEFAULT_ROLLOUT_TIMEOUT,
  DEFAULT_SMOKE_IMAGE,
  DEFAULT_SMOKE_SUBNET,
  DEFAULT_STATE_DIR,
  MULTUS_SOCKET,
  PLAYBOOK_DEFAULTS,
} from '../../tasks/lib/defaults.ts';
import { MULTUS_DEFAULTS } from '../../tasks/multus/manifest-vars.ts';

const PLAYBOOKS = join(import.meta.dirname, '../../playbooks');

/** Every `name | default(expr)` in the bundled playbooks whose name is a plain variable. */
function playbookDefaults(): Array<{ file: string; name: string; expr: string }> {
  const found: Array<{ file: string; name: string; expr: string }> = [];
  for (const file of readdirSync(PLAYBOOKS).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(join(PLAYBOOKS, file), 'utf8');
    for (const m of text.matchAll(/\(?\b([A-Za-z_][A-Za-z0-9_.]*)\s*\|\s*default\(((?:[^()]|\([^()]*\))*)\)/g)) {
      if (!m[1].includes('.')) found.push({ file, name: m[1], expr: m[2] });
    }
  }
  return found;
}

t.test("the playbooks' default(...) values are the modules' defaults", async (t) => {
  const found = playbookDefaults();
  for (const name of Object.keys(PLAYBOOK_DEFAULTS)) {
    t.ok(found.some((d) => d.name === name), `${name} has a default(...) in a playbook`);
  }
  for (const { file, name, expr } of found) {
    if (name in PLAYBOOK_DEFAULTS) {
      t.same(evaluateExpression(expr, {}), PLAYBOOK_DEFAULTS[name], `${file}: ${name} | default(${expr})`);
      continue;
    }
    // Any other default must name another variable (or none), never spell a value of its own.
    let literal: unknown;
    try {
      literal = evaluateExpression(expr, {});
    } catch (err) {
      t.type(err, UndefinedVariableError, `${file}: ${name} | default(${expr}) refers to a variable`);
      continue;
    }
    t.equal(literal, null, `${file}: ${name} | default(${expr}) is none, or belongs in PLAYBOOK_DEFAULTS`);
  }
});

t.test('module schemas announce the same defaults', async (t) => {
  const schemaDefault = (module: string, arg: string): unknown =>
    (registry[module].schema.properties as Record<string, { default?: unknown }>)[arg].default;
  t.equal(schemaDefault('k3s_cni_backup', 'backup_dir'), DEFAULT_BACKUP_DIR);
  t.equal(schemaDefault('install_record', 'backup_dir'), DEFAULT_BACKUP_DIR);
  t.equal(schemaDefault('install_record', 'state_dir'), DEFAULT_STATE_DIR);
  t.same(schemaDefault('install_record', 'extra_cni_plugins'), DEFAULT_EXTRA_CNI_PLUGINS);
  t.equal(schemaDefault('install_record', 'multus_version'), MULTUS_DEFAULTS.multus_version);
  t.equal(schemaDefault('multus_verify', 'backup_dir'), DEFAULT_BACKUP_DIR);
  t.equal(schemaDefault('multus_verify', 'socket'), MULTUS_SOCKET);
  t.same(schemaDefault('multus_verify', 'extra_cni_plugins'), DEFAULT_EXTRA_CNI_PLUGINS);
  t.equal(schemaDefault('wait_daemonset', 'timeout'), DEFAULT_ROLLOUT_TIMEOUT);
  t.equal(schemaDefault('wait_pods_gone', 'timeout'), DEFAULT_PODS_GONE_TIMEOUT);
  t.equal(schemaDefault('multus_smoke', 'image'), DEFAULT_SMOKE_IMAGE);
  t.equal(schemaDefault('multus_smoke', 'subnet'), DEFAULT_SMOKE_SUBNET);
  t.same(MULTUS_DEFAULTS.extra_cni_plugins, DEFAULT_EXTRA_CNI_PLUGINS);
});

t.test('install --help names the same state and backup directories', async (t) => {
  t.match(COMMAND_HELP.install, `under ${DEFAULT_BACKUP_DIR};`);
  t.match(COMMAND_HELP.install, `${DEFAULT_STATE_DIR}/state.json`);
});
