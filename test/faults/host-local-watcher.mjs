// A second process that checks, every few milliseconds for the whole run, that each node's
// host-local resolves to an executable regular file, following the node's symlinks the way
// the node would (an absolute target is read under that node's host-side root). Started by
// watcher.ts; each line on stdin asks for the report so far (one JSON line on stdout), and
// stdin closing stops it after a last report.
// Plain JavaScript so it starts without a TypeScript loader.
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

const { nodes, intervalMs } = JSON.parse(process.argv[2]);
const report = { checks: 0, failures: [] };

/** Resolve an in-node path component by component, mapping every absolute path to the node's root. */
function resolveInNode(root, path) {
  let pending = path.split('/').filter(Boolean);
  let at = '/';
  for (let hops = 0; pending.length > 0; ) {
    const part = pending.shift();
    const next = part === '..' ? posix.dirname(at) : posix.join(at, part);
    const st = lstatSync(root + next);
    if (!st.isSymbolicLink()) {
      at = next;
      continue;
    }
    if (++hops > 40) throw new Error('too many levels of symbolic links');
    const target = readlinkSync(root + next);
    pending = [...target.split('/').filter(Boolean), ...pending];
    if (target.startsWith('/')) at = '/';
  }
  return root + at;
}

function check() {
  for (const node of nodes) {
    report.checks += 1;
    let reason;
    try {
      const st = lstatSync(resolveInNode(node.root, node.path));
      if (!st.isFile()) reason = 'not a regular file';
      else if ((st.mode & 0o111) === 0) reason = 'not executable';
    } catch (error) {
      reason = error.code ?? error.message;
    }
    if (reason !== undefined && report.failures.length < 100) report.failures.push({ node: node.name, at: new Date().toISOString(), reason });
  }
}

const timer = setInterval(check, intervalMs);
check();
process.stdout.write('watching\n');
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
    buffered = buffered.slice(i + 1);
    check();
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
});
process.stdin.on('end', () => {
  clearInterval(timer);
  check();
  process.stdout.write(`${JSON.stringify(report)}\n`);
});
