/**
 * The drift probe's parser and the host evaluation, from output recorded on a lab node
 * (test/fixtures/drift: before install, in sync, and with host-local replaced, multus-shim
 * removed, ipvlan not executable and the daemon killed).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driftProbeCommand, parseDriftProbe, parseHealth } from '../../tasks/drift/probe.ts';
import { evaluateHostDrift, k3sNamesInOrder } from '../../tasks/drift/host-items.ts';
import { REPO_ROOT } from '../helpers/run-provision.ts';

const recorded = (name: string) => ({ exitCode: 0, stdout: readFileSync(join(REPO_ROOT, 'test/fixtures/drift', `${name}.txt`), 'utf8'), stderr: '' });
const config = { extraPlugins: ['ipvlan'], socket: '/run/multus/multus.sock', stateFile: '/var/lib/provision/state.json' };

t.test('parses a node in sync and finds nothing', async (t) => {
  const obs = parseDriftProbe(recorded('in-sync'));
  t.equal(obs.hostname, 'node2');
  t.equal(obs.k3s.layout, 'cni');
  t.match(obs.k3s.entries['host-local'], { kind: 'symlink', target: /\/bin\/cni$/ });
  t.same(obs.plugins['multus-shim'], { kind: 'file', executable: true });
  t.same(obs.health, { via: 'curl', status: '200' });
  t.ok(obs.state && obs.pristine, 'state.json and the pristine record are read');
  const judged = evaluateHostDrift('node2', obs, config);
  t.ok(judged.checked);
  if (judged.checked) {
    t.same(judged.items, []);
    t.same(judged.paths.map((p) => p.mark), [...Array(8).fill('unchanged'), 'new', 'new', 'new', 'unchanged', 'new', 'unchanged', 'new', 'new', 'new']);
  }
});

t.test('before install: not_installed only', async (t) => {
  const judged = evaluateHostDrift('node2', parseDriftProbe(recorded('before-install')), config);
  t.ok(judged.checked);
  if (judged.checked) t.same(judged.items.map((i) => i.kind), ['not_installed']);
});

t.test('a drifted node: each finding with expected and found, host-local first', async (t) => {
  const judged = evaluateHostDrift('node2', parseDriftProbe(recorded('drifted')), config);
  t.ok(judged.checked);
  if (!judged.checked) return;
  t.same(judged.items.map((i) => [i.kind, i.severity, i.path]), [
    ['k3s_link_replaced', 'error', '/var/lib/rancher/k3s/data/cni/host-local'],
    ['plugin_missing', 'error', '/var/lib/rancher/k3s/data/cni/multus-shim'],
    ['plugin_not_executable', 'error', '/var/lib/rancher/k3s/data/cni/ipvlan'],
    ['conf_stale', 'critical', '/var/lib/rancher/k3s/agent/etc/cni/net.d/00-multus.conf'],
  ]);
  t.match(judged.items[0], { expected: /^symlink to \/var\/lib\/rancher\/k3s\/data\/[0-9a-f]+\/bin\/cni$/, found: /^host-local: regular file sha256 [0-9a-f]{64}/ });
  t.match(judged.items[3], { found: '00-multus.conf present, nothing answers on the socket' });
  t.same(judged.paths.filter((p) => p.mark !== 'unchanged' && p.mark !== 'new').map((p) => [p.path.split('/').pop(), p.mark]), [['host-local', 'overwritten'], ['multus-shim', 'missing']]);
});

t.test('k3s names: host-local first', async (t) => {
  t.equal(k3sNamesInOrder('cni')[0], 'host-local');
  t.notOk(k3sNamesInOrder('current').includes('cni'), "in a bundle's bin, cni is the binary, not a link");
});

t.test('the parser refuses what it does not know and output that stops early', async (t) => {
  t.throws(() => parseDriftProbe({ exitCode: 0, stdout: 'hostname n\nsurprise\n', stderr: '' }), /unexpected line/);
  t.throws(() => parseDriftProbe({ exitCode: 0, stdout: 'hostname n\n', stderr: '' }), /incomplete/);
  t.throws(() => parseDriftProbe({ exitCode: 1, stdout: '', stderr: 'boom' }), /exit 1.*boom/);
  t.same(parseHealth('curl 404'), { via: 'curl', status: '404' });
  t.same(parseHealth('python3 garbage'), { via: 'python3', status: '000' });
  t.equal(parseHealth('wget 200'), undefined);
});

t.test('the probe asks /healthz and quotes every path', async (t) => {
  const cmd = driftProbeCommand({ plugins: ['multus-shim'], socket: "/run/it's.sock", stateDir: '/var/lib/provision', backupDir: '/b' });
  t.match(cmd, /hpath=\/healthz/);
  t.notMatch(cmd, /readyz/);
  t.match(cmd, /sock='\/run\/it'\\''s\.sock'/);
});
