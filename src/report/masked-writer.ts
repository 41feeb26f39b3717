/**
 * The one way reporters write: every chunk goes through maskSecrets with the secrets
 * known at that moment, and close() can wait until the last chunk has been handed off.
 */
import { maskSecrets } from './mask.ts';

export interface MaskedWriter {
  write(text: string): void;
  mask(text: string): string;
  /** Resolves once everything written so far has been flushed to the stream. */
  flushed(): Promise<void>;
}

export function createMaskedWriter(out: NodeJS.WritableStream, secrets: () => string[]): MaskedWriter {
  let last: Promise<void> = Promise.resolve();
  const mask = (text: string) => maskSecrets(text, secrets());
  return {
    mask,
    write(text: string) {
      if (text === '') return;
      last = new Promise<void>((resolve) => {
        // Resolve on error too: a closed pipe must not hang the end of a run.
        out.write(mask(text), () => resolve());
      });
    },
    flushed: () => last,
  };
}
