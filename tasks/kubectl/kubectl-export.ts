/**
 * kubectl_export: keep a copy of objects before they can be lost — every object of one kind
 * as YAML that `kubectl apply -f` takes back. A new file is written only when the objects
 * differ from the newest export, so a rerun changes nothing and an older export is never
 * overwritten (an emptier cluster later must not erase what was kept).
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { posix } from 'node:path';
import { stringify } from 'yaml';
import { sh } from '../../src/connection/quote.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import { atomically, replaceByFile } from '../lib/atomic.ts';
import { readFileFact } from '../lib/read-file.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix } from './kubectl.ts';
import { normalizeObject, objectRef, parseKubectlObjects, type KubeObject } from './objects.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'dest_dir', 'name'],
  properties: {
    kind: { type: 'string', minLength: 1, description: 'Resource type as kubectl takes it, e.g. `network-attachment-definitions.k8s.cni.cncf.io`.' },
    dest_dir: { type: 'string', minLength: 1, pattern: '^/', description: 'Absolute directory on the host kubectl runs on.' },
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$', description: 'File name prefix.' },
    ...kubectlAccessProperties,
  },
} as const satisfies ArgsSchema;

export type KubectlExportArgs = ArgsOf<typeof schema>;

/** The objects as re-appliable YAML documents, in a stable order (pure). */
export function exportYaml(objects: KubeObject[]): string {
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  return [...objects]
    .sort((a, b) => key(a).localeCompare(key(b)))
    .map((o) => {
      const clean = normalizeObject(o);
      const { deletionTimestamp: _d, deletionGracePeriodSeconds: _g, ...metadata } = clean.metadata ?? {};
      return `---\n${stringify({ ...clean, metadata }, { sortMapEntries: true })}`;
    })
    .join('');
}

/** The body of an export file, without its comment header. */
export const exportBody = (text: string): string => text.replace(/^(#[^\n]*\n)*/, '');

/** The newest of `<name>-<time>.yaml` among a directory's names (pure). */
export function newestExport(names: string[], name: string): string | undefined {
  return names.filter((n) => n.startsWith(`${name}-`) && n.endsWith('.yaml')).sort().at(-1);
}

export const kubectlExport: TaskModule<KubectlExportArgs> = {
  name: 'kubectl_export',
  description:
    'Exports every object of `kind` in all namespaces to `<dest_dir>/<name>-<time>.yaml` (mode 0600, dir 0700, written by temp file + rename), without what the server maintains, so `kubectl apply -f` on the file recreates them. Writes a new file only when the objects differ from the newest export there; with no objects, writes nothing. Registers `file` (the export holding the current objects, or null), `count` and `objects`.',
  schema,
  examples: [
    `- name: Export every NetworkAttachmentDefinition
  kubectl_export:
    kind: network-attachment-definitions.k8s.cni.cncf.io
    dest_dir: /var/lib/provision/backups/network-attachment-definitions
    name: network-attachment-definitions
  delegate_to: "{{ kubectl_host }}"
  run_once: true
  become: "{{ kubeconfig is not defined }}"`,
  ],
  async run(args, ctx) {
    const got = await ctx.read(kubectlCommand(kubectlPrefix(args, ctx.vars), ['get', args.kind, '--all-namespaces', '-o', 'json']));
    if (got.exitCode !== 0) return failed(`cannot read ${args.kind}: ${kubectlError(got)}`);
    let objects: KubeObject[];
    try {
      objects = parseKubectlObjects(got.stdout);
    } catch (err) {
      return failed((err as Error).message);
    }
    const refs = objects.map((o) => `${o.metadata?.namespace ?? ''}/${objectRef(o)}`);
    if (objects.length === 0) return ok(`no ${args.kind} to export`, { file: null, count: 0, objects: refs });
    const body = exportYaml(objects);
    const listing = await ctx.read(sh`if [ -d ${args.dest_dir} ]; then ls -1A -- ${args.dest_dir}; fi`);
    if (listing.exitCode !== 0) return failed(`cannot list ${args.dest_dir}: ${listing.stderr.trim()}`);
    const newest = newestExport(listing.stdout.split('\n').filter(Boolean), args.name);
    let before = '';
    if (newest) {
      const path = posix.join(args.dest_dir, newest);
      const read = await ctx.fact(readFileFact(path, 64 * 1024 * 1024));
      if (read.kind === 'content') before = read.content.toString('utf8');
      if (exportBody(before) === body) return ok(`${objects.length} ${args.kind} already exported in ${path}`, { file: path, count: objects.length, objects: refs });
    }
    const time = new Date().toISOString();
    const file = posix.join(args.dest_dir, `${args.name}-${time.replace(/[:.]/g, '-')}.yaml`);
    const text = `# ${objects.length} ${args.kind}, exported by provision at ${time}.\n# Restore with: kubectl apply -f ${file}\n${body}`;
    const data = { file, count: objects.length, objects: refs };
    const diff = { before: exportBody(before), after: body };
    const replacement = replaceByFile(file, { purpose: 'export', prepare: (tmp) => [sh`chmod 0600 -- ${tmp}`] });
    return checkOrApply(ctx, {
      action: `export ${objects.length} ${args.kind} to ${file}`,
      done: `exported ${objects.length} ${args.kind} to ${file}`,
      failure: `cannot write ${file}`,
      diff,
      data,
      commands: [sh`mkdir -p -m 0700 -- ${args.dest_dir}`, ...atomically(replacement)],
      stdin: text,
    });
  },
};
