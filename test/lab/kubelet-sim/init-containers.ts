/**
 * The init containers of the Multus DaemonSet, simulated on one node (FAKES of what the
 * images do): `install_multus -d DIR -t thick` as upstream's cmd/install_multus/main.go
 * at the image's release behaves, and any `/bin/sh -c` installer (the manifest's
 * extra-plugin installer) run as rendered with /bin/sh (container-script.ts), against
 * the image's stand-in plugins. Both write into the host path that backs their
 * destination, by temp file + rename, as the real installers do. The `overwriteAll`
 * knob makes the plugin installer behave like installers that copy every reference
 * plugin, K3s's names included (replacing K3s's links: they dangle in the container); the
 * `writeThrough` knob like one that also mounts the K3s data dir and `cp`s, so each K3s
 * link resolves and the copy lands *through* it on K3s's multicall binary (docs/k3s-multus.md §4, §11).
 */
import { writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { writeFile } from '../k3s-layout.ts';
import { runContainerScript } from './container-script.ts';
import { argvOf, envOf, hostPathBehind, hostSide, resolveInNode, type Container, type NodePath, type PodSpec } from './pod-spec.ts';

/** What a reference-plugin image (e.g. rancher/hardened-cni-plugins) has in /opt/cni/bin. */
export const REFERENCE_PLUGINS = [
  'bandwidth', 'bridge', 'dhcp', 'dummy', 'firewall', 'flannel', 'host-device', 'host-local', 'ipvlan',
  'loopback', 'macvlan', 'portmap', 'ptp', 'sbr', 'static', 'tap', 'tuning', 'vlan', 'vrf',
];

export interface InitOutcome {
  ok: boolean;
  /** One line per file installed, or the failure, like the container's log. */
  log: string[];
}

/** A small program standing in for a binary from an image; its text names both. */
export function standInBinary(name: string, image: string): string {
  return [
    '#!/bin/sh',
    `# Lab stand-in for ${name} from ${image} (not the real program).`,
    'if [ "${CNI_COMMAND:-}" = VERSION ]; then',
    `  echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}'`,
    '  exit 0',
    'fi',
    `echo '${name} (lab stand-in)'`,
    '',
  ].join('\n');
}

function installByRename(at: NodePath, inNodeDir: string, name: string, image: string): void {
  writeFile(hostSide(at, posix.join(inNodeDir, name)), standInBinary(name, image), 0o755);
}

/** The real in-node directory behind `inNodeDir`, when it is one. */
function directoryIn(at: NodePath, inNodeDir: string | undefined): string | undefined {
  const found = inNodeDir === undefined ? undefined : resolveInNode(at, inNodeDir);
  return found?.directory ? found.path : undefined;
}

/** What an image has in its own file system, for scripts run from it: a plugins image's /opt/cni/bin. */
export function imageFiles(image: string): Record<string, string> {
  if (!/cni-plugins/.test(image)) return {};
  return Object.fromEntries(REFERENCE_PLUGINS.map((n) => [`/opt/cni/bin/${n}`, standInBinary(n, image)]));
}

/** The release in a Multus image tag (`…:v4.2.0-thick`), or undefined (then: the newest behaviour). */
function imageRelease(image: string | undefined): [number, number, number] | undefined {
  const m = /:v(\d+)\.(\d+)\.(\d+)/.exec(image ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * `install_multus -d DIR -t TYPE` (cmd/install_multus/main.go, pflag): `-t`/`--type` has no
 * default and must be thick or thin, else it exits 1; thick copies multus-shim, thin
 * multus, each by CopyFileAtomic (temp file + rename); passthru follows only from v4.2.1.
 */
function installMultus(at: NodePath, spec: PodSpec, container: Container, argv: string[]): InitOutcome {
  const flag = (short: string, long: string, fallback: string) => {
    const i = argv.findIndex((a) => a === short || a === long);
    if (i >= 0 && argv[i + 1] !== undefined) return argv[i + 1];
    const joined = argv.find((a) => a.startsWith(`${long}=`));
    return joined ? joined.slice(long.length + 1) : fallback;
  };
  const dir = flag('-d', '--dest-dir', '/host/opt/cni/bin');
  const type = flag('-t', '--type', '');
  if (type !== 'thick' && type !== 'thin') return { ok: false, log: ['--type is missing or --type has invalid value'] };
  const dest = directoryIn(at, hostPathBehind(spec, container, dir));
  if (!dest) {
    return { ok: false, log: [`failed to copy file ${type === 'thick' ? 'multus-shim' : 'multus'}: ${dir} is not a directory backed by the host`] };
  }
  const release = imageRelease(container.image);
  const passthru = !release || release[0] > 4 || (release[0] === 4 && (release[1] > 2 || (release[1] === 2 && release[2] >= 1)));
  const names = [type === 'thick' ? 'multus-shim' : 'multus', ...(passthru ? ['passthru'] : [])];
  for (const name of names) installByRename(at, dest, name, container.image ?? 'multus');
  return { ok: true, log: names.map((n) => `installed ${n} to ${dest}`) };
}

/** The rendered plugin installer: its checks, then one temp file + rename per listed name. */
export interface InstallerKnobs {
  overwriteAll?: boolean;
  writeThrough?: boolean;
}

/** `cp SRC DEST` onto an existing file or resolvable link writes into what DEST resolves to. */
function copyThrough(at: NodePath, inNodeDir: string, name: string, image: string): void {
  const target = resolveInNode(at, posix.join(inNodeDir, name));
  if (target && !target.directory) writeFileSync(hostSide(at, target.path), standInBinary(name, image));
  else installByRename(at, inNodeDir, name, image);
}

/** Installers that copy every plugin of the image (the knobs); never the manifest's own script. */
function installAllPlugins(at: NodePath, spec: PodSpec, container: Container, knobs: InstallerKnobs): InitOutcome {
  const destInPod = '/host/opt/cni/bin';
  const dest = directoryIn(at, hostPathBehind(spec, container, destInPod));
  if (!dest) return { ok: false, log: [`${destInPod} is not backed by a host directory`] };
  const image = container.image ?? 'cni-plugins';
  if (knobs.writeThrough) {
    // cp of every plugin with K3s's data dir mounted: the links resolve, cp writes through.
    for (const name of REFERENCE_PLUGINS) copyThrough(at, dest, name, image);
    return { ok: true, log: REFERENCE_PLUGINS.map((n) => `copied ${n}`) };
  }
  // Like install-cnis.sh: every plugin of the image, K3s's own names included.
  for (const name of REFERENCE_PLUGINS) installByRename(at, dest, name, image);
  return { ok: true, log: REFERENCE_PLUGINS.map((n) => `installed ${n}`) };
}

/**
 * Run one init container. A `/bin/sh -c` script runs as rendered; containers the
 * simulation does not know succeed without touching the node (an init container's effect
 * is then unknown, not invented).
 */
export async function runInitContainer(at: NodePath, spec: PodSpec, container: Container, knobs: InstallerKnobs = {}): Promise<InitOutcome> {
  const argv = argvOf(container);
  if (argv.some((a) => posix.basename(a) === 'install_multus')) return installMultus(at, spec, container, argv);
  const copiesAll = knobs.overwriteAll === true || knobs.writeThrough === true;
  if (copiesAll && (envOf(container, 'EXTRA_CNI_PLUGINS') !== undefined || /cni-plugins/.test(container.image ?? ''))) {
    return installAllPlugins(at, spec, container, knobs);
  }
  const run = runContainerScript({ at, spec, container }, imageFiles, argv);
  if (run) {
    const r = await run;
    const log = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
    return { ok: r.code === 0, log: r.code === 0 ? log : [...log, `exit code ${r.code}`] };
  }
  return { ok: true, log: [`${container.name}: not simulated, nothing done`] };
}

/** hostPath volumes of type Directory must exist, or the kubelet refuses to start the pod. */
export function hostPathTypeProblem(at: NodePath, spec: PodSpec): string | undefined {
  for (const v of spec.volumes ?? []) {
    if (v.hostPath?.type === 'Directory' && !directoryIn(at, v.hostPath.path)) {
      return `MountVolume.SetUp failed for volume "${v.name}" : hostPath type check failed: ${v.hostPath.path} is not a directory`;
    }
  }
  return undefined;
}
