/**
 * The init containers of the Multus DaemonSet, simulated on one node (FAKES of what the
 * images do): `install_multus -d DIR -t thick` and an extra-plugin installer driven by
 * EXTRA_CNI_PLUGINS. Each writes small stand-in programs into the host path that backs
 * its destination, by temp file + rename, as the real installers do. The `overwriteAll`
 * knob makes the plugin installer behave like installers that copy every reference
 * plugin, K3s's names included (replacing K3s's links: they dangle in the container); the
 * `writeThrough` knob like one that also mounts the K3s data dir and `cp`s, so each K3s
 * link resolves and the copy lands *through* it on K3s's multicall binary (docs/k3s-multus.md §4, §11).
 */
import { writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { writeFile } from '../k3s-layout.ts';
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

/** `install_multus -d DIR -t TYPE`: thick installs multus-shim and passthru, thin multus and passthru. */
function installMultus(at: NodePath, spec: PodSpec, container: Container, argv: string[]): InitOutcome {
  const flag = (f: string, fallback: string) => {
    const i = argv.indexOf(f);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  const dir = flag('-d', '/host/opt/cni/bin');
  const type = flag('-t', 'thin');
  const dest = directoryIn(at, hostPathBehind(spec, container, dir));
  if (!dest) {
    return { ok: false, log: [`install_multus: ${dir} is not a directory backed by the host`] };
  }
  const names = type === 'thick' ? ['multus-shim', 'passthru'] : ['multus', 'passthru'];
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

function installPlugins(at: NodePath, spec: PodSpec, container: Container, knobs: InstallerKnobs): InitOutcome {
  const script = argvOf(container).join('\n');
  const destInPod = /^\s*dest=(\S+)\s*$/m.exec(script)?.[1] ?? '/host/opt/cni/bin';
  const dest = directoryIn(at, hostPathBehind(spec, container, destInPod));
  if (!dest) return { ok: false, log: [`${destInPod} is not backed by a host directory`] };
  const image = container.image ?? 'cni-plugins';
  if (knobs.writeThrough) {
    // cp of every plugin with K3s's data dir mounted: the links resolve, cp writes through.
    for (const name of REFERENCE_PLUGINS) copyThrough(at, dest, name, image);
    return { ok: true, log: REFERENCE_PLUGINS.map((n) => `copied ${n}`) };
  }
  if (knobs.overwriteAll) {
    // Like install-cnis.sh: every plugin of the image, K3s's own names included.
    for (const name of REFERENCE_PLUGINS) installByRename(at, dest, name, image);
    return { ok: true, log: REFERENCE_PLUGINS.map((n) => `installed ${n}`) };
  }
  const names = (envOf(container, 'EXTRA_CNI_PLUGINS') ?? '').split(/\s+/).filter(Boolean);
  const refused = new Set([...(envOf(container, 'K3S_OWNED_PLUGINS') ?? '').split(/\s+/), 'multus-shim', 'passthru']);
  for (const name of names) {
    if (refused.has(name)) return { ok: false, log: [`refusing to install ${name}: not ours to replace`] };
    if (!/^[a-z0-9_-]+$/.test(name) || name.startsWith('-')) return { ok: false, log: [`refusing odd plugin name: ${name}`] };
    if (!REFERENCE_PLUGINS.includes(name)) return { ok: false, log: [`${name} is not in this image's /opt/cni/bin`] };
    if (directoryIn(at, posix.join(dest, name))) return { ok: false, log: [`${dest}/${name} is a directory; not replacing it`] };
  }
  for (const name of names) installByRename(at, dest, name, image);
  return { ok: true, log: names.map((n) => `installed ${n}`) };
}

/**
 * Run one init container. Containers the simulation does not know succeed without
 * touching the node (an init container's effect is then unknown, not invented).
 */
export function runInitContainer(at: NodePath, spec: PodSpec, container: Container, knobs: InstallerKnobs = {}): InitOutcome {
  const argv = argvOf(container);
  if (argv.some((a) => posix.basename(a) === 'install_multus')) return installMultus(at, spec, container, argv);
  const copiesAll = knobs.overwriteAll === true || knobs.writeThrough === true;
  if (envOf(container, 'EXTRA_CNI_PLUGINS') !== undefined || (copiesAll && /cni-plugins/.test(container.image ?? ''))) {
    return installPlugins(at, spec, container, knobs);
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
