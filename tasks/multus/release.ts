/**
 * What a Multus release puts on a node, by version (docs/k3s-multus.md §6): the thick
 * installer `install_multus -t thick` copies `multus-shim` in every v4 release, and
 * `passthru` only from v4.2.1 on (k8snetworkplumbingwg/multus-cni cmd/install_multus/main.go
 * at v4.2.0 vs v4.2.1). Verify and the install record expect exactly these files.
 */

export interface MultusRelease {
  major: number;
  minor: number;
  patch: number;
}

/** The first release whose install_multus also installs passthru. */
export const PASSTHRU_SINCE: MultusRelease = { major: 4, minor: 2, patch: 1 };

/** `v4.3.0`, `v4.3.0-thick`, `v4.2.1-rc1-thick@sha256:…` → {4,3,0}; undefined when it names no release. */
export function parseMultusRelease(version: string): MultusRelease | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?=$|[-@+])/.exec(version.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

export function releaseAtLeast(r: MultusRelease, floor: MultusRelease): boolean {
  if (r.major !== floor.major) return r.major > floor.major;
  if (r.minor !== floor.minor) return r.minor > floor.minor;
  return r.patch >= floor.patch;
}

/**
 * The binaries `install_multus -t thick` of `version` writes into the bin dir. An
 * unreadable version is taken as the newest behaviour (both), so verify errs on the side
 * of checking more.
 */
export function thickInstallerBinaries(version: string | undefined): string[] {
  const release = version === undefined ? undefined : parseMultusRelease(version);
  if (release && !releaseAtLeast(release, PASSTHRU_SINCE)) return ['multus-shim'];
  return ['multus-shim', 'passthru'];
}
