/**
 * Wait between polls with node:timers/promises; an interrupted run (ctx.signal) ends the
 * wait at once, as the project's InterruptedError (exit code 130) rather than a bare AbortError.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { InterruptedError } from '../../src/errors.ts';

export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw new InterruptedError();
  }
}
