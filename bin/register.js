// Development tools (npm run lab, bench, docs) run TypeScript through tsx. tsx keeps its
// compile cache and scratch files in `$TMPDIR/tsx-<uid>` and trusts what it finds there;
// in a shared /tmp, as root, a directory planted by another user would run their code.
// So the cache is off, and tsx's temp dir is a private one inside this checkout (0700,
// ours, not a link), set only while tsx loads: its loader thread keeps that environment,
// the tool itself sees the usual TMPDIR.
import { lstatSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const privateTmp = fileURLToPath(new URL('../node_modules/.cache/provision-tsx/', import.meta.url));
mkdirSync(privateTmp, { recursive: true, mode: 0o700 });
const info = lstatSync(privateTmp);
const uid = process.getuid?.();
if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
  throw new Error(`${privateTmp} must be a directory owned by this user with mode 0700`);
}
const saved = process.env.TMPDIR;
process.env.TSX_DISABLE_CACHE = '1';
process.env.TMPDIR = privateTmp;
try {
  const { register } = await import('tsx/esm/api');
  register();
  // The loader thread fixes its temp dir when it first compiles: make that happen now.
  await import('./loader-ready.ts');
} finally {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
}
