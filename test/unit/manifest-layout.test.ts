import t from 'tap';
import {
  K3S_OWNED_PLUGINS,
  dataDirProblem,
  k3sMultusPaths,
  layoutForVersion,
} from '../../tasks/k3s/layout.ts';

t.test('default data dir, stable data/cni layout', async (t) => {
  t.same(k3sMultusPaths(), {
    k3sDataDir: '/var/lib/rancher/k3s',
    layout: 'cni',
    dataDir: '/var/lib/rancher/k3s/data',
    cniBinDir: '/var/lib/rancher/k3s/data/cni',
    cniConfDir: '/var/lib/rancher/k3s/agent/etc/cni/net.d',
    flannelConflist: '/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist',
    multusConf: '/var/lib/rancher/k3s/agent/etc/cni/net.d/00-multus.conf',
    socketDir: '/run/multus',
    socketPath: '/run/multus/multus.sock',
    cacheDir: '/var/lib/cni/multus',
    flannelSubnetEnv: '/run/flannel/subnet.env',
  });
});

t.test('custom data dir and the older data/current layout', async (t) => {
  const p = k3sMultusPaths('/opt/k3s', 'current');
  t.equal(p.cniBinDir, '/opt/k3s/data/current/bin');
  t.equal(p.dataDir, '/opt/k3s/data');
  t.equal(p.cniConfDir, '/opt/k3s/agent/etc/cni/net.d');
  t.equal(p.multusConf, '/opt/k3s/agent/etc/cni/net.d/00-multus.conf');
  t.equal(p.flannelConflist, '/opt/k3s/agent/etc/cni/net.d/10-flannel.conflist');
  for (const v of Object.values(p)) t.notMatch(String(v), /rancher/);
});

t.test('K3s-owned names: the multicall binary and its seven plugin links', async (t) => {
  t.same([...K3S_OWNED_PLUGINS].sort(), [
    'bandwidth', 'bridge', 'cni', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap',
  ]);
});

t.test('data dirs that two spellings could disagree on are refused', async (t) => {
  t.equal(dataDirProblem('/opt/k3s'), undefined);
  t.match(dataDirProblem('opt/k3s'), /absolute/);
  t.match(dataDirProblem('/'), /root/);
  t.match(dataDirProblem('/opt/k3s/'), /end with/);
  t.match(dataDirProblem('/opt//k3s'), /segments/);
  t.match(dataDirProblem('/opt/../k3s'), /segments/);
  t.match(dataDirProblem('/opt/k 3s'), /may contain only/);
  t.match(dataDirProblem('/opt/k3s\n'), /may contain only/);
  t.throws(() => k3sMultusPaths('relative'), /k3s_data_dir must be an absolute path/);
  t.throws(() => k3sMultusPaths('/x', 'other' as never), /unknown K3s CNI layout/);
});

t.test('layoutForVersion: the exact first stable data/cni release of each line', async (t) => {
  const cases: Array<[string, 'cni' | 'current']> = [
    ['v1.27.16+k3s1', 'current'],
    ['v1.28.14+k3s1', 'current'],
    ['v1.28.15+k3s1', 'cni'],
    ['v1.28.16+k3s1', 'cni'],
    ['v1.29.9+k3s1', 'current'],
    ['v1.29.10+k3s1', 'cni'],
    ['v1.30.5+k3s1', 'current'],
    ['v1.30.6+k3s1', 'cni'],
    ['v1.31.1+k3s1', 'current'],
    ['v1.31.2+k3s1', 'cni'],
    ['v1.31.0+k3s1', 'current'],
    ['v1.32.0+k3s1', 'cni'],
    ['v1.33.1+k3s1', 'cni'],
    ['v1.29.100+k3s1', 'cni'],
    ['1.30.6', 'cni'],
    ['v1.30.6-rc1+k3s1', 'cni'],
    ['v2.0.0+k3s1', 'cni'],
    ['v0.9.0', 'current'],
  ];
  for (const [v, want] of cases) t.equal(layoutForVersion(v), want, v);
});

t.test('layoutForVersion reads the first line of `k3s --version`', async (t) => {
  t.equal(layoutForVersion('k3s version v1.31.2+k3s1 (6da204df)'), 'cni');
  t.equal(layoutForVersion('k3s version v1.31.1+k3s1 (452dbbc1)'), 'current');
  t.equal(layoutForVersion('k3s version v1.28.15+k3s1 (869dd4d6)\ngo version go1.22.8'), 'cni');
  t.equal(layoutForVersion('  k3s version v1.29.9+k3s1 (1f0d2e4b)  '), 'current');
});

t.test('layoutForVersion refuses what is not a version', async (t) => {
  t.throws(() => layoutForVersion(''), /cannot read a K3s version/);
  t.throws(() => layoutForVersion('k3s version unknown'), /cannot read a K3s version/);
  t.throws(() => layoutForVersion('v1.30'), /cannot read a K3s version/);
});
