#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm ci` through the `prepare` script, or
// `npm run build`). Nothing is compiled at run time: a compile cache in a shared directory
// such as /tmp could be planted by another local user and run as root by the next cron run.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin/provision.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('provision: not built: run `npm ci` (or `npm run build`) in the provision directory first\n');
  process.exit(4);
}
await import(entry.href);
