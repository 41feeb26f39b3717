/**
 * fetch: copy a file from the host to the control machine (Ansible's fetch). It changes
 * the control machine, never the host; the local file is written to a temp file and
 * renamed, and only when its content differs.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { changed, failed, ok, type TaskModule } from '../../src/module/task.ts';
import { sha256 } from './copy.ts';
import { readFileFact } from '../lib/read-file.ts';
import { contentForDiff } from './text-diff.ts';

/** The whole file passes through memory (base64 over the connection). */
export const FETCH_LIMIT = 32 * 1024 * 1024;

/**
 * Where the file lands. Without flat: `dest/<host>/<src path>` so hosts never overwrite
 * each other; with flat: `dest` itself, or `dest/<basename>` when dest ends with `/`.
 */
export function fetchDestination(args: FetchArgs, host: string, playbookDir: string): string {
  const base = resolve(playbookDir, args.dest);
  if (args.flat) return args.dest.endsWith('/') ? join(base, posix.basename(args.src)) : base;
  const relative = posix.normalize(args.src).replace(/^\/+/, '');
  if (relative === '..' || relative.startsWith('../')) throw new Error(`src ${args.src} leaves its directory`);
  return join(base, host, relative);
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['src', 'dest'],
  properties: {
    src: { type: 'string', minLength: 1, description: 'The file on the host.' },
    dest: { type: 'string', minLength: 1, description: 'Directory (or, with flat, file) on the control machine.' },
    flat: {
      type: 'boolean',
      default: false,
      description: 'Store at `dest` directly instead of under `dest/<inventory_hostname>/`.',
    },
  },
} as const satisfies ArgsSchema;

export type FetchArgs = ArgsOf<typeof schema>;

export const fetch: TaskModule<FetchArgs> = {
  name: 'fetch',
  description: `Copies a file from the host to the control machine. Without \`flat\` it is stored as \`dest/<inventory_hostname>/<src path>\`; with \`flat: true\` at \`dest\` itself (or \`dest/<file name>\` when \`dest\` ends with \`/\`). Relative \`dest\` resolves against the playbook directory. Changed only when the local copy differs; check mode writes nothing. The local copy is written mode 0600 (it is often a credential); the content is in the result's diff only with \`--diff\`. Files over ${FETCH_LIMIT} bytes are refused. Registers \`dest\` and \`checksum\` (sha256).`,
  schema,
  examples: [
    `- name: Keep each node's Multus config
  fetch:
    src: /var/lib/rancher/k3s/agent/etc/cni/net.d/00-multus.conf
    dest: collected/`,
    `- name: Take the kubeconfig from the server
  fetch:
    src: /etc/rancher/k3s/k3s.yaml
    dest: kubeconfig.yaml
    flat: true`,
  ],
  async run(args, ctx) {
    let dest: string;
    try {
      dest = fetchDestination(args, ctx.host, ctx.playbookDir);
    } catch (e) {
      return failed((e as Error).message);
    }
    const file = await ctx.fact(readFileFact(args.src, FETCH_LIMIT));
    if (file.kind === 'missing') return failed(`file not found: ${args.src}`);
    if (file.kind === 'not-a-file') return failed(`source is not a regular file: ${args.src}`);
    if (file.kind === 'too-large') return failed(`${args.src} is ${file.size} bytes, over the fetch limit of ${FETCH_LIMIT}`);

    const checksum = sha256(file.content);
    const data = { dest, checksum, remote_path: args.src };
    const local = await readFile(dest).catch(() => undefined);
    if (local && sha256(local) === checksum) return ok(`${dest} is up to date`, data);
    // Fetched files are often credentials (k3s.yaml holds the cluster-admin key): their
    // content goes into the result only when --diff asks for it (reporters mask it then).
    const diff = ctx.diff ? { before: local ? contentForDiff(local) : '(absent)\n', after: contentForDiff(file.content) } : undefined;
    if (ctx.check) return changed(`would fetch ${args.src} to ${dest}`, diff, data);

    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(dirname(dest), `.provision-fetch-${randomBytes(6).toString('hex')}`);
    try {
      // 0600 whatever the umask: the copy may be a secret, and the remote mode is unknown here.
      await writeFile(tmp, file.content, { flag: 'wx', mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      return failed(`cannot write ${dest}: ${(e as Error).message}`, data);
    }
    return changed(`fetched ${args.src} to ${dest}`, diff, data);
  },
};
