/**
 * Container image reference checks. A DaemonSet on every node must run the same bits
 * on every node and after every restart, so floating tags (`latest`,
 * `snapshot-thick`, `stable`, ...) are refused: only a version-shaped tag or a digest
 * pins an image.
 */

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?';

/** `registry[:port]/path/name` or `path/name`, without tag or digest. */
const REPOSITORY = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`);

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A tag that names a release: starts with a dotted version number (`v1.9.1-build…`). */
const VERSION_TAG = /^v?\d+\.\d+(?:\.\d+)?(?:[-+_.][A-Za-z0-9._-]*)?$/;

export function repositoryProblem(repo: string): string | undefined {
  if (!REPOSITORY.test(repo)) {
    return `must be an image repository without tag or digest (e.g. ghcr.io/org/name), got "${repo}"`;
  }
  return undefined;
}

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `repo[:tag][@sha256:…]`; returns undefined when it is not one. */
export function parseImageRef(ref: string): ImageRef | undefined {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const named = at >= 0 ? ref.slice(0, at) : ref;
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const repository = colon >= 0 ? named.slice(0, colon) : named;
  const tag = colon >= 0 ? named.slice(colon + 1) : undefined;
  if (repositoryProblem(repository)) return undefined;
  if (tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return undefined;
  return { repository, tag, digest };
}

/** Why `tag[@digest]` does not pin a release, or undefined when it does. */
export function floatingTagProblem(tag: string | undefined, digest: string | undefined): string | undefined {
  if (digest !== undefined) return undefined;
  if (tag === undefined) return 'has neither tag nor digest, so it means :latest';
  if (!VERSION_TAG.test(tag)) {
    return `tag "${tag}" is not a release version; floating tags such as latest, stable or snapshot move under a running cluster`;
  }
  return undefined;
}

/** Why a full reference (`repo:tag`, `repo@digest`, `repo:tag@digest`) is not a pinned image. */
export function pinnedImageProblem(ref: string): string | undefined {
  const parsed = parseImageRef(ref);
  if (!parsed) return `is not an image reference (repository[:tag][@sha256:digest]), got "${ref}"`;
  const floating = floatingTagProblem(parsed.tag, parsed.digest);
  return floating ? `"${ref}" ${floating}` : undefined;
}
