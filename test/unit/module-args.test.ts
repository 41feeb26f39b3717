/**
 * Argument types come from the schemas (src/module/args.ts). The checks are made by the
 * type checker (`npm test` runs tsc first): each @ts-expect-error line must be an error,
 * so a schema that stops requiring or typing an argument breaks the build.
 */
import t from 'tap';
import type { CopyArgs } from '../../tasks/builtin/copy.ts';
import type { FileArgs } from '../../tasks/builtin/file.ts';
import type { SymlinkArgs } from '../../tasks/builtin/symlink.ts';
import type { WaitForArgs } from '../../tasks/builtin/wait-for.ts';
import { registry } from '../../tasks/index.ts';

t.test('argument types follow their schemas', async (t) => {
  const link: SymlinkArgs = { path: '/a', target: 'b' };
  // @ts-expect-error target is required
  const noTarget: SymlinkArgs = { path: '/a' };
  // @ts-expect-error no other keys (additionalProperties: false)
  const extra: SymlinkArgs = { path: '/a', target: 'b', mode: '0644' };
  const file: FileArgs = { path: '/x', state: 'directory', mode: '0755' };
  // @ts-expect-error state is one of the enum's values
  const badState: FileArgs = { path: '/x', state: 'folder' };
  const inline: CopyArgs = { dest: '/d', content: 'x', backup: true };
  // @ts-expect-error timeout is a number
  const badTimeout: WaitForArgs = { path: '/p', timeout: '5' };
  for (const args of [link, noTarget, extra, file, badState, inline, badTimeout]) t.type(args, 'object');
  // The same schemas the types come from are the ones the registry validates with.
  t.equal((registry.symlink.schema.required as string[]).join(','), 'path,target');
  t.same((registry.file.schema.properties as { state: { enum: string[] } }).state.enum, ['directory', 'absent', 'touch', 'file']);
});
