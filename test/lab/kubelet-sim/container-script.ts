/**
 * Runs a container's own `/bin/sh -c SCRIPT` as rendered in the pod spec, with the host's
 * /bin/sh, instead of re-implementing it (the way test/unit/manifest-installer.test.ts
 * runs the installer). The container's view of the file system is modelled by rewriting
 * each `name=/absolute/path` assignment line of the script: a path behind one of the
 * container's hostPath mounts goes to the host-side file of that node path, any other
 * path to the image's own root (a per-image directory of stand-in files). Everything
 * else in the script runs unchanged. A FAKE container runtime; see ../README.md.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import { writeFile } from '../k3s-layout.ts';
import { argvOf, hostPathBehind, hostSide, realPathInNode, type Container, type NodePath, type PodSpec } from './pod-spec.ts';

export interface ContainerView {
  at: NodePath;
  spec: PodSpec;
  container: Container;
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What an image ships, as far as the lab knows: the reference plugins of a cni-plugins image. */
export type ImageFiles = (image: string) => Record<string, string>;

/** The host-side directory standing in for an image's root file system on this node. */
export function imageRoot(at: NodePath, image: string, files: ImageFiles): string {
  const root = hostSide(at, `/tmp/.lab-image-${createHash('sha256').update(image).digest('hex').slice(0, 12)}`);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  for (const [path, text] of Object.entries(files(image))) writeFile(posix.join(root, path), text, 0o755);
  return root;
}

/** The host-side file the container sees at `inPodPath`. */
export function hostPathInContainer(view: ContainerView, root: string, inPodPath: string): string {
  const nodePath = hostPathBehind(view.spec, view.container, inPodPath);
  if (nodePath === undefined) return posix.join(root, posix.normalize(inPodPath));
  // The kubelet resolves a hostPath (symlinks included) when it mounts it.
  const dir = realPathInNode(view.at, posix.dirname(nodePath)) ?? posix.dirname(nodePath);
  return hostSide(view.at, posix.join(dir, posix.basename(nodePath)));
}

const ASSIGNMENT = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)=(\/[^\s'"$`;&|]*)\s*$/;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script with each absolute-path assignment moved to the host side of the container's view. */
export function relocateScript(script: string, view: ContainerView, root: string): string {
  return script
    .split('\n')
    .map((line) => {
      const m = ASSIGNMENT.exec(line);
      return m ? `${m[1]}${m[2]}=${quote(hostPathInContainer(view, root, m[3]))}` : line;
    })
    .join('\n');
}

/** The script of a `/bin/sh -c SCRIPT` command, or undefined for any other command. */
export function shellScriptOf(argv: string[]): string | undefined {
  return argv.length >= 3 && (argv[0] === '/bin/sh' || argv[0] === 'sh') && argv[1] === '-c' ? argv[2] : undefined;
}

/** Run `/bin/sh -c SCRIPT` of the container (or of `argv`, e.g. a probe) with its env. */
export function runContainerScript(view: ContainerView, files: ImageFiles, argv: string[] = argvOf(view.container)): Promise<ScriptResult> | undefined {
  const script = shellScriptOf(argv);
  if (script === undefined) return undefined;
  const root = imageRoot(view.at, view.container.image ?? 'unknown', files);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const e of view.container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', relocateScript(script, view, root)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
  });
}
