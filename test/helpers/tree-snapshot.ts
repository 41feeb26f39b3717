/**
 * A comparable picture of a directory tree (names, types, modes, link targets, content
 * hashes), to prove that a check-mode run left it untouched.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function visit(path: string, rel: string): Promise<void> {
    const st = await lstat(path);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link ${await readlink(path)}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${mode}`;
      for (const name of (await readdir(path)).sort()) await visit(join(path, name), rel ? `${rel}/${name}` : name);
    } else if (st.isFile()) {
      out[rel] = `file ${mode} ${st.uid}:${st.gid} ${createHash('sha256').update(await readFile(path)).digest('hex')}`;
    } else out[rel] = `other ${mode}`;
  }
  await visit(root, '');
  return out;
}
