import t from 'tap';
import { loadInventory } from '../../src/inventory/load.ts';
import { isSecretVarName, secretValues } from '../../src/inventory/secrets.ts';

t.test('known secret variables and secret-looking names', async (t) => {
  const values = secretValues({
    ansible_password: 'login-pw',
    ansible_become_password: 'sudo-pw',
    ansible_ssh_private_key_passphrase: 'key-pp',
    ansible_ssh_pass: 'old-pw',
    ansible_become_pass: 'old-sudo',
    registry_password: 'reg-pw',
    vault_passphrase: 'vault-pp',
    github_token: 'ghp_x',
    cluster_secret: 'cs',
    token: 'k3s-token',
    ansible_user: 'debian',
    password_hint: 'not a secret: name does not end in a secret word',
    tokens: 'not a secret either',
    passthrough: 'no',
  });
  t.same(new Set(values), new Set(['login-pw', 'sudo-pw', 'key-pp', 'old-pw', 'old-sudo', 'reg-pw', 'vault-pp', 'ghp_x', 'cs', 'k3s-token']));
});

t.test('only non-empty strings, deduplicated, longest first', async (t) => {
  t.same(secretValues({ a_password: '', b_token: 1234, c_secret: null, d_password: true, e_token: 'abc', f_token: 'abc', g_secret: 'abcdef' }), ['abcdef', 'abc']);
  t.same(secretValues({}), []);
});

t.test('secrets nested inside mappings are found too', async (t) => {
  t.same(secretValues({ registries: { configs: { 'r.example': { auth: { username: 'u', password: 'nested-pw' } } } } }), ['nested-pw']);
});

t.test('name rules', async (t) => {
  t.ok(isSecretVarName('ansible_become_pass'));
  t.ok(isSecretVarName('K3S_TOKEN'));
  t.notOk(isSecretVarName('k3s_version'));
  t.notOk(isSecretVarName('compass'));
});

t.test('the k3s-ansible token is masked', async (t) => {
  const inv = loadInventory('inventory/k3s-ansible.yaml');
  t.same(secretValues(inv.host('192.16.35.11')!.vars), ['changeme!']);
});

t.test('wider secret names: keys, credentials, anything named secret', async (t) => {
  for (const name of ['aws_secret_access_key', 'ssh_key', 'api_key', 'AWS_SECRET_ACCESS_KEY', 'secret_sauce', 'my_secrets', 'db_passwd', 'registry_credentials', 'apikey']) {
    t.ok(isSecretVarName(name), name);
  }
  for (const name of ['ansible_ssh_private_key_file', 'ansible_host_key_checking', 'keyboard', 'monkey', 'aws_access_key_id']) {
    t.notOk(isSecretVarName(name), name);
  }
});
