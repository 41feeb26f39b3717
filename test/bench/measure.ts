/**
 * One whole process, timed from spawn to exit (wall clock, as cron sees it), under GNU
 * time (`/usr/bin/time`, Debian's `time` package) for its peak resident set size: the
 * kernel's ru_maxrss of the process (of its largest waited-for child when it has some).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runProcess, type ProcessOptions } from '../helpers/run-process.ts';

export const GNU_TIME = '/usr/bin/time';
export const RSS_METHOD = `${GNU_TIME} -f %M (ru_maxrss of the measured process)`;

export interface ProcessSample {
  ms: number;
  rssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

export type RunOptions = ProcessOptions;

export function measureProcess(command: string, args: string[], options: RunOptions = {}): Promise<ProcessSample> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-bench-time-'));
  const rssFile = join(dir, 'rss');
  const start = performance.now();
  return runProcess(GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args], options).then((run) => {
    const ms = performance.now() - start;
    const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rmSync(dir, { recursive: true, force: true });
    return { ...run, ms, rssMb: kb / 1024 };
  });
}

/** A sample whose exit code is not the expected one stops the bench: a failing run is not a figure. */
export function expectExit(what: string, sample: ProcessSample, codes: number[] = [0]): ProcessSample {
  if (sample.code === null || !codes.includes(sample.code)) {
    throw new Error(`${what}: exit ${sample.code}\n${sample.stdout.slice(-2000)}\n${sample.stderr.slice(-2000)}`);
  }
  return sample;
}
