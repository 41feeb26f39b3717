/**
 * listr2 writes through a ProcessOutput. This one masks every chunk at the moment listr2
 * writes it, so a secret learned after a title was set is still hidden in later redraws,
 * while stray writes by other code during a redraw are still held back by listr2's hijack
 * of the real stream.
 */
import { ProcessOutput } from 'listr2';

export class MaskingProcessOutput extends ProcessOutput {
  private readonly mask: (text: string) => string;

  constructor(out: NodeJS.WriteStream, mask: (text: string) => string) {
    // One stream for both: listr2 sends failures to stderr, which would split the view.
    super(out, out, { leaveEmptyLine: false });
    this.mask = mask;
  }

  override get stdout(): NodeJS.WriteStream {
    return this.masked(super.stdout);
  }

  override get stderr(): NodeJS.WriteStream {
    return this.masked(super.stderr);
  }

  override toStdout(buffer: string, eol?: boolean): boolean {
    return super.toStdout(this.mask(buffer), eol);
  }

  override toStderr(buffer: string, eol?: boolean): boolean {
    return super.toStderr(this.mask(buffer), eol);
  }

  /** listr2 hands out a fresh copy of the stream with its own write; wrap that write. */
  private masked(stream: NodeJS.WriteStream): NodeJS.WriteStream {
    const write = stream.write;
    const mask = this.mask;
    stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      return (write as (...args: unknown[]) => boolean).call(this, mask(text), ...rest);
    } as NodeJS.WriteStream['write'];
    return stream;
  }
}
