/**
 * tap runs this before any test file: the CLI and lab tests run bin/provision.js, which runs
 * the compiled dist/, so dist/ is rebuilt from the sources first (incremental, quick when
 * nothing changed). Tests then exercise exactly what users run.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
