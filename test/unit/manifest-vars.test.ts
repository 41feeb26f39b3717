import t from 'tap';
import { ValidationError } from '../../src/errors.ts';
import { MULTUS_DEFAULTS, multusManifestVars, thickTag } from '../../tasks/multus/manifest-vars.ts';
import { pinnedImageProblem } from '../../tasks/multus/image-ref.ts';

function problems(vars: Record<string, unknown>): string[] {
  try {
    multusManifestVars(vars);
  } catch (err) {
    if (err instanceof ValidationError) return err.diagnostics.map((d) => d.message);
    throw err;
  }
  return [];
}

const PINNED_PLUGINS = `docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819@sha256:${'0'.repeat(64)}`;

t.test('defaults: pinned v4.3.0-thick, ipvlan, K3s default paths', async (t) => {
  const { values, warnings, paths } = multusManifestVars({});
  t.equal(values.multus_version, 'v4.3.0-thick@sha256:a922a39a78049991d03178c07afc45a198326481049bd7d84626097402fa14bb', 'the release tag, and its digest');
  t.equal(values.multus_image, 'ghcr.io/k8snetworkplumbingwg/multus-cni');
  t.equal(values.cni_plugins_image, 'docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819');
  t.equal(values.cni_bin_dir, '/var/lib/rancher/k3s/data/cni');
  t.equal(values.k3s_bundle_dir, '/var/lib/rancher/k3s/data');
  t.equal(values.cni_conf_dir, '/var/lib/rancher/k3s/agent/etc/cni/net.d');
  t.equal(values.extra_cni_plugins, 'ipvlan');
  t.equal(values.k3s_owned_plugins, 'cni bandwidth bridge firewall flannel host-local loopback portmap');
  t.equal(values.multus_memory_limit, '256Mi');
  t.equal(paths.layout, 'cni');
  t.equal(warnings.length, 1, 'no digest is known for the plugins image: it is warned about');
  t.match(warnings[0], /^cni_plugins_image docker\.io\/rancher\/hardened-cni-plugins:v1\.9\.1-build20260819 is pinned by tag only/);
  t.same(multusManifestVars({ cni_plugins_image: `docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819@sha256:${'0'.repeat(64)}` }).warnings, [], 'pinned by digest: no warning');
  const other = multusManifestVars({ multus_version: 'v4.2.4', cni_plugins_image: `x/y:v1@sha256:${'0'.repeat(64)}` });
  t.equal(other.values.multus_version, 'v4.2.4-thick', 'no digest is invented for another release');
  t.match(other.warnings, [/multus-cni:v4\.2\.4-thick is pinned by tag only/]);
});

t.test('daemon config: K3s bin dir, cniVersion 1.0.0, pod-side dirs, no metricsPort unless set', async (t) => {
  const { values } = multusManifestVars({ k3s_data_dir: '/opt/k3s' });
  t.same(JSON.parse(values.daemon_config_json), {
    chrootDir: '/hostroot',
    cniVersion: '1.0.0',
    logLevel: 'verbose',
    logToStderr: true,
    cniConfigDir: '/host/etc/cni/net.d',
    multusAutoconfigDir: '/host/etc/cni/net.d',
    multusConfigFile: 'auto',
    socketDir: '/host/run/multus/',
    binDir: '/opt/k3s/data/cni',
  });
  t.notOk('metricsPort' in values.daemon_config);

  const withPort = multusManifestVars({ multus_metrics_port: 9091 }).values;
  t.equal(JSON.parse(withPort.daemon_config_json).metricsPort, 9091);
  t.equal(multusManifestVars({ multus_metrics_port: '9092' }).values.daemon_config.metricsPort, 9092);
});

t.test('old layout: bin dir under data/current and a redeploy warning', async (t) => {
  const { values, warnings } = multusManifestVars({ k3s_cni_layout: 'current', extra_cni_plugins: ['ipvlan', 'macvlan'], cni_plugins_image: PINNED_PLUGINS });
  t.equal(values.cni_bin_dir, '/var/lib/rancher/k3s/data/current/bin');
  t.equal(values.daemon_config.binDir, '/var/lib/rancher/k3s/data/current/bin');
  t.equal(warnings.length, 1);
  t.match(warnings[0], /after each K3s upgrade/);
  t.match(warnings[0], /ipvlan, macvlan/);
});

t.test('floating multus tags are refused with a clear message', async (t) => {
  for (const tag of ['snapshot-thick', 'latest', 'stable', 'snapshot', 'v4.3', 'thick', 'v4-thick', 'v4.3.0-thick ']) {
    const p = problems({ multus_version: tag });
    t.equal(p.length, 1, tag);
    t.match(p[0], /^multus_version must be a pinned thick release tag such as "v4\.3\.0-thick"/, tag);
  }
  t.match(problems({ multus_version: 'snapshot-thick' })[0], /floating tags such as snapshot-thick/);
  t.match(problems({ multus_version: 'v3.9.3-thick' })[0], /v4\.0\.0-thick or later/);
  for (const ok of ['v4.2.4-thick', 'v4.3.0-thick', 'v4.3.0-rc1-thick', `v4.3.0-thick@sha256:${'a'.repeat(64)}`]) {
    t.same(problems({ multus_version: ok }), [], ok);
  }
});

t.test('a bare release version names its thick image', async (t) => {
  t.equal(thickTag('v4.3.0'), 'v4.3.0-thick');
  t.equal(thickTag('v4.3.0-rc1'), 'v4.3.0-rc1-thick');
  t.equal(thickTag(`v4.3.0@sha256:${'b'.repeat(64)}`), `v4.3.0-thick@sha256:${'b'.repeat(64)}`);
  t.equal(thickTag('v4.3.0-thick'), 'v4.3.0-thick');
  t.equal(thickTag('latest'), 'latest');
  t.equal(multusManifestVars({ multus_version: 'v4.2.4' }).values.multus_version, 'v4.2.4-thick');
});

t.test('image references', async (t) => {
  t.same(problems({ multus_image: 'registry.local:5000/mirror/multus-cni' }), []);
  t.match(problems({ multus_image: 'ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick' })[0], /^multus_image must be an image repository without tag/);
  t.match(problems({ multus_image: 'Bad Image' })[0], /^multus_image/);
  t.equal(pinnedImageProblem('docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819'), undefined);
  t.equal(pinnedImageProblem(`rancher/hardened-cni-plugins@sha256:${'0'.repeat(64)}`), undefined);
  t.match(pinnedImageProblem('rancher/hardened-cni-plugins'), /neither tag nor digest/);
  t.match(pinnedImageProblem('rancher/hardened-cni-plugins:latest'), /not a release version/);
  t.match(pinnedImageProblem('rancher/hardened-cni-plugins:stable'), /not a release version/);
  t.match(pinnedImageProblem('rancher/x@sha256:short'), /is not an image reference/);
  t.match(problems({ cni_plugins_image: 'rancher/hardened-cni-plugins:latest' })[0], /^cni_plugins_image "rancher\/hardened-cni-plugins:latest" tag "latest"/);
});

t.test('extra plugins: never a K3s-owned or multus-owned name, only plain names', async (t) => {
  t.same(problems({ extra_cni_plugins: ['ipvlan', 'macvlan', 'host-device'] }), []);
  t.same(problems({ extra_cni_plugins: [] }), []);
  t.equal(multusManifestVars({ extra_cni_plugins: [] }).values.extra_cni_plugins, '');
  for (const owned of ['host-local', 'bridge', 'cni', 'flannel', 'loopback', 'portmap', 'bandwidth', 'firewall']) {
    const p = problems({ extra_cni_plugins: ['ipvlan', owned] });
    t.equal(p.length, 1, owned);
    t.match(p[0], new RegExp(`must not contain "${owned}": K3s owns it`), owned);
  }
  t.match(problems({ extra_cni_plugins: ['multus-shim'] })[0], /multus installer provides it/);
  for (const bad of ['../host-local', 'ip vlan', '*', '-x', 'IPVLAN', '', 7]) {
    t.match(problems({ extra_cni_plugins: [bad] })[0], /plain plugin names/, String(bad));
  }
  t.match(problems({ extra_cni_plugins: 'ipvlan' })[0], /must be a list/);
  t.match(problems({ extra_cni_plugins: ['ipvlan', 'ipvlan'] })[0], /twice/);
});

t.test('every problem is reported at once', async (t) => {
  const p = problems({
    multus_version: 'latest',
    k3s_data_dir: 'relative/dir',
    k3s_cni_layout: 'hash',
    multus_log_level: 'loud',
    multus_metrics_port: 70000,
    extra_cni_plugins: ['host-local'],
    multus_memory_limit: 'lots',
  });
  t.equal(p.length, 7);
  t.match(p.join('\n'), /multus_version[\s\S]*multus_memory_limit[\s\S]*extra_cni_plugins[\s\S]*multus_metrics_port/);
  t.match(p.join('\n'), /k3s_data_dir must be an absolute path/);
  t.match(p.join('\n'), /k3s_cni_layout must be one of cni, current/);
  t.match(p.join('\n'), /multus_log_level must be one of debug, verbose, error, panic/);
});

t.test('metrics port must be a port', async (t) => {
  for (const bad of [0, 65536, 1.5, 'abc', true]) {
    t.match(problems({ multus_metrics_port: bad })[0], /multus_metrics_port must be an integer port/, String(bad));
  }
  t.same(problems({ multus_metrics_port: null }), []);
});

t.test('defaults are what the docs promise', async (t) => {
  t.equal(MULTUS_DEFAULTS.multus_log_level, 'verbose');
  t.equal(MULTUS_DEFAULTS.k3s_data_dir, '/var/lib/rancher/k3s');
});

t.test('non-string values are refused, not coerced', async (t) => {
  t.same(problems({ multus_version: 4.3 }), ['multus_version must be a non-empty string, got 4.3']);
  t.same(problems({ k3s_data_dir: '' }), ['k3s_data_dir must be a non-empty string, got ""']);
  t.same(problems({ multus_image: null }), [], 'null means unset: the default applies');
});
