import t from 'tap';
import { k3sFactsFromProbe, linkedNames, versionFromLine, wantedLinkTarget } from '../../../tasks/k3s/facts.ts';
import { describeEntry, parseK3sProbe, type K3sProbe } from '../../../tasks/k3s/probe.ts';
import { K3S_OWNED_PLUGINS } from '../../../tasks/k3s/layout.ts';

const HASH = 'e447d2945554c998139e814be38c0448b76f94459632122e986381d184fd3059';
const SHA_F = '9b6ac0fda3ff45de5cb40bbd47e6dfd8a76bd68108bcc16680e9a290dd459799';
const SHA_H = '1111111111111111111111111111111111111111111111111111111111111111';
const TARGET = `/var/lib/rancher/k3s/data/${HASH}/bin/cni`;

const head = (layout: string) =>
  [
    'binary=/usr/local/bin/k3s',
    'version=k3s version v1.31.2+k3s1 (6da204df)',
    'data_dir=/var/lib/rancher/k3s',
    'data_dir_source=default',
    'data_dir_exists=yes',
    `flannel_sha256=${SHA_F}`,
    `flannel_b64=${Buffer.from('{"name":"cbr0","cniVersion":"1.0.0","plugins":[]}').toString('base64')}`,
    'multus_conf=no',
    `layout=${layout}`,
  ].join('\n');

/** Recorded on a node of the stable layout where an installer had overwritten host-local. */
const RECORDED_CNI = [
  head('cni'),
  'multicall_source=link',
  `multicall_target=${TARGET}`,
  'multicall_exists=yes',
  'multicall_executable=yes',
  `multicall_sha256=${HASH}`,
  ...['cni', 'bandwidth', 'bridge', 'firewall', 'flannel'].flatMap((n) => [`entry ${n} symlink`, TARGET, 'end-entry']),
  `entry host-local file 755 ${SHA_H}`,
  'entry loopback missing',
  'entry portmap other',
  '',
].join('\n');

const RECORDED_CURRENT = [
  head('current'),
  'multicall_source=current',
  `multicall_target=${TARGET}`,
  'multicall_exists=yes',
  'multicall_executable=yes',
  `multicall_sha256=${HASH}`,
  `entry cni file 755 ${HASH}`,
  ...['bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'].flatMap((n) => [`entry ${n} symlink`, 'cni', 'end-entry']),
  '',
].join('\n');

const RECORDED_NOT_K3S = 'binary=\nversion=\ndata_dir=/var/lib/rancher/k3s\ndata_dir_source=default\ndata_dir_exists=no\n';

const run = (stdout: string, exitCode = 0) => ({ exitCode, stdout, stderr: exitCode ? 'boom' : '' });

t.test('parses the stable layout, every entry kind included', async (t) => {
  const p = parseK3sProbe(run(RECORDED_CNI));
  t.equal(p.binary, '/usr/local/bin/k3s');
  t.equal(p.layout, 'cni');
  t.same(p.multicall, { source: 'link', target: TARGET, exists: true, executable: true, sha256: HASH });
  t.same(p.entries.cni, { kind: 'symlink', target: TARGET });
  t.same(p.entries['host-local'], { kind: 'file', mode: '0755', sha256: SHA_H });
  t.same(p.entries.loopback, { kind: 'missing' });
  t.same(p.entries.portmap, { kind: 'other' });
  t.equal(p.flannel_conflist_sha256, SHA_F);
  t.equal(p.flannel_cni_version, '1.0.0', "the conflist's cniVersion");
  t.equal(p.multus_conf_present, false);
});

t.test('a link target with a newline stays one target', async (t) => {
  const p = parseK3sProbe(run(`${head('cni')}\nentry bridge symlink\n/odd\nname\nend-entry\n`));
  t.same(p.entries.bridge, { kind: 'symlink', target: '/odd\nname' });
});

t.test('a failed or garbled probe is an error, not an empty node', async (t) => {
  t.throws(() => parseK3sProbe(run('', 2)), /exit 2.*boom/);
  t.throws(() => parseK3sProbe(run('hello\n')), /unexpected line/);
  t.throws(() => parseK3sProbe(run('binary=\n')), /incomplete/);
  t.throws(() => parseK3sProbe(run(`${head('cni')}\nentry bridge symlink\n/x\n`)), /unterminated/);
  t.throws(() => parseK3sProbe(run(`${head('cni')}\nentry bridge weird\n`)), /unexpected entry/);
});

/** The recorded node with its odd portmap (neither file nor link) made K3s's link again. */
const recordedWithPortmapLink = (): K3sProbe => {
  const p = parseK3sProbe(run(RECORDED_CNI));
  return { ...p, entries: { ...p.entries, portmap: { kind: 'symlink', target: TARGET } } };
};

t.test('facts of the stable layout, with the host-local warning', async (t) => {
  const out = k3sFactsFromProbe(recordedWithPortmapLink());
  if (!out.ok) throw new Error(out.problems.join());
  t.equal(out.facts.version, 'v1.31.2+k3s1');
  t.equal(out.facts.cni_bin_dir, '/var/lib/rancher/k3s/data/cni');
  t.equal(out.facts.flannel_conflist, '/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist');
  t.equal(out.facts.multicall.target, TARGET);
  t.equal(out.warnings.length, 1);
  t.match(out.warnings[0], /host-local is a regular file.*earlier manual install/);
});

t.test('a data/cni without host-local warns that K3s runs from data/current/bin until restarted', async (t) => {
  const base = recordedWithPortmapLink();
  const out = k3sFactsFromProbe({ ...base, entries: { ...base.entries, 'host-local': { kind: 'missing' } } });
  if (!out.ok) throw new Error(out.problems.join());
  t.match(out.warnings, [/data\/cni\/host-local is missing: K3s falls back to data\/current\/bin until it restarts/]);
});

t.test('facts of the older layout warn about redeploying after upgrades', async (t) => {
  const out = k3sFactsFromProbe(parseK3sProbe(run(RECORDED_CURRENT)));
  if (!out.ok) throw new Error(out.problems.join());
  t.equal(out.facts.layout, 'current');
  t.equal(out.facts.cni_bin_dir, '/var/lib/rancher/k3s/data/current/bin');
  t.match(out.warnings, [/no stable data\/cni bin dir.*redeployed after each upgrade/]);
});

t.test('a host without K3s fails with every finding named', async (t) => {
  const out = k3sFactsFromProbe(parseK3sProbe(run(RECORDED_NOT_K3S)));
  t.equal(out.ok, false);
  if (out.ok) return;
  t.match(out.problems, [/k3s binary: not found on PATH nor at \/usr\/local\/bin\/k3s/, /data dir: \/var\/lib\/rancher\/k3s \(from default\) does not exist/]);
});

t.test('each preflight check fails on its own finding', async (t) => {
  const base = recordedWithPortmapLink();
  const problems = (p: K3sProbe): string[] => {
    const out = k3sFactsFromProbe(p);
    return out.ok ? [] : out.problems;
  };
  t.match(problems({ ...base, multicall: { ...base.multicall!, exists: false, executable: false } }), [/multicall binary: .* does not exist/]);
  t.match(problems({ ...base, multicall: { ...base.multicall!, executable: false } }), [/multicall binary: .* not an executable/]);
  t.match(problems({ ...base, flannel_conflist_sha256: null }), [/Flannel conflist: .*10-flannel.conflist is missing/]);
  t.match(problems({ ...base, flannel_cni_version: null }), [/Flannel conflist: .*has no top-level cniVersion/]);
  t.match(problems({ ...base, layout: null, multicall: null }), [/CNI bin dir: neither .*data\/cni nor .*data\/current\/bin/]);
  t.match(problems({ ...base, version_line: 'garbage' }), [/k3s version: .*"garbage"/]);
  t.match(problems({ ...base, data_dir: 'relative/dir', data_dir_source: 'config /etc/x.yaml' }), [
    /data dir: relative\/dir \(from config \/etc\/x.yaml\) must be an absolute path/,
  ]);
  t.match(problems({ ...base, bin_dir_writable: false }), [/CNI bin dir: .*data\/cni is not writable \(a read-only file system\?\)/]);
  t.match(problems(parseK3sProbe(run(RECORDED_CNI))), [/data\/cni\/portmap is neither a file nor a symlink \(a directory\?\)/], 'a K3s name that is neither is refused');
  t.same(problems(base), [], 'the recorded node, its portmap a link, passes');
});

t.test('versions, link targets and entry descriptions', async (t) => {
  t.equal(versionFromLine('k3s version v1.28.14+k3s1 (0a1e3ea6)'), 'v1.28.14+k3s1');
  t.equal(versionFromLine('nothing here'), undefined);
  t.equal(wantedLinkTarget('cni', TARGET), TARGET);
  t.equal(wantedLinkTarget('current', TARGET), 'cni');
  t.same(linkedNames('cni', K3S_OWNED_PLUGINS), K3S_OWNED_PLUGINS);
  t.notOk(linkedNames('current', K3S_OWNED_PLUGINS).includes('cni'), 'the binary itself is not a link in the older layout');
  t.equal(describeEntry('host-local', { kind: 'file', sha256: SHA_H, mode: '0755' }), `host-local: regular file sha256 ${SHA_H} mode 0755`);
  t.equal(describeEntry('bridge', { kind: 'symlink', target: TARGET }), `bridge -> ${TARGET}`);
  t.equal(describeEntry('loopback', undefined), 'loopback: missing');
});

t.test('other names in the bin dir and the conf dir are listed, any byte included', async (t) => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const p = parseK3sProbe(run(`${head('cni')}\nconffile ${b64('10-flannel.conflist')}\nconffile ${b64('05-odd\nname.conf')}\nother ${b64('multus-shim')}\nother ${b64('macvlan')}\n`));
  t.same(p.bin_dir_others, ['macvlan', 'multus-shim']);
  t.same(p.conf_dir_files, ['05-odd\nname.conf', '10-flannel.conflist']);
  t.same(parseK3sProbe(run(RECORDED_CNI)).bin_dir_others, [], 'none listed: none there');
});
