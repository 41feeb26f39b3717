/**
 * The small error hierarchy. Every error the CLI can meet maps to one documented
 * exit code; only bin/provision.ts turns them into process.exit.
 */

export const ExitCode = {
  ok: 0,
  taskFailed: 1,
  changesPending: 2, // --check found changes, or drift found
  unreachable: 3,
  invalidInput: 4,
  locked: 5,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A place in a source file; line and column are 1-based, as editors show them. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic extends Partial<SourcePosition> {
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  if (!d.file) return d.message;
  const where = d.line ? `${d.file}:${d.line}:${d.col ?? 1}` : d.file;
  return `${where}: ${d.message}`;
}

/** Diagnostics in source order (line, then column); ties keep their order (sort is stable). */
export function sortByPosition(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

export class ProvisionError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command line: unknown flag, missing argument. */
export class UsageError extends ProvisionError {
  constructor(message: string) {
    super(message, ExitCode.invalidInput);
  }
}

/** Inventory or playbook is wrong. Carries every problem found, not just the first. */
export class ValidationError extends ProvisionError {
  readonly diagnostics: Diagnostic[];
  /** Warnings about the same input (duplicate keys, …), shown beside the errors. */
  readonly warnings: Diagnostic[];
  constructor(diagnostics: Diagnostic[], warnings: Diagnostic[] = []) {
    super(diagnostics.map(formatDiagnostic).join('\n'), ExitCode.invalidInput);
    this.diagnostics = diagnostics;
    this.warnings = warnings;
  }
}

/** Another run holds the lock. */
export class LockError extends ProvisionError {
  constructor(message: string) {
    super(message, ExitCode.locked);
  }
}

/** The host could not be reached or authenticated (host key mismatch included). */
export class UnreachableError extends ProvisionError {
  readonly host: string;
  constructor(host: string, message: string) {
    super(`${host}: ${message}`, ExitCode.unreachable);
    this.host = host;
  }
}

/** A task failed on a host; raised inside the engine and turned into a per-host result. */
export class TaskError extends ProvisionError {
  constructor(message: string) {
    super(message, ExitCode.taskFailed);
  }
}

/** The run was interrupted (SIGINT / SIGTERM). */
export class InterruptedError extends ProvisionError {
  constructor() {
    super('interrupted', ExitCode.interrupted);
  }
}
