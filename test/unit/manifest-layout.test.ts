import t from 'tap';
import {
  K3S_OWNED_PLUGINS,
  dataDirProblem,
  k3sMultusPaths,
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
