/**
 * The one way reporters write: every chunk goes through maskSecrets with the secrets
 * known at that moment, then (for text output) escapeControls so no node-supplied escape
 * sequence reaches the terminal; close() can wait until the last chunk has been handed off.
 */
import { maskSecrets } from './mask.ts';
import { escapeControls } from './terminal-safe.ts';

export interface MaskedWriter {
  write(text: string): void;
  /** Secrets masked; for text that is then framed by the renderer's own escape codes. */
  mask(text: string): string;
  /** Secrets masked and control characters escaped: content shown to a person. */
  clean(text: string): string;
  /** Resolves once everything written so far has been flushed to the stream. */
  flushed(): Promise<void>;
}

export interface MaskedWriterOptions {
  /** Escape control characters in what is written (default true; JSON lines escape by themselves). */
  escapeControls?: boolean;
}

export function createMaskedWriter(out: NodeJS.WritableStream, secrets: () => string[], options: MaskedWriterOptions = {}): MaskedWriter {
  let last: Promise<void> = Promise.resolve();
  const mask = (text: string) => maskSecrets(text, secrets());
  const clean = (text: string) => escapeControls(mask(text));
  const forOutput = options.escapeControls === false ? mask : clean;
  return {
    mask,
    clean,
    write(text: string) {
      if (text === '') return;
      last = new Promise<void>((resolve) => {
        // Resolve on error too: a closed pipe must not hang the end of a run.
        out.write(forOutput(text), () => resolve());
      });
    },
    flushed: () => last,
  };
}
