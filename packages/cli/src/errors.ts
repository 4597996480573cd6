// Exit codes and the errors that carry them.
import { AnchorageApiError, AnchorageConnectionError } from '@anchorage/sdk';

export const EXIT = {
  ok: 0,
  /** The run failed, or an unexpected error (including API 5xx). */
  failed: 1,
  /** Bad input: unreadable or invalid file, bad option, API 4xx. */
  usage: 2,
  /** The run was cancelled. */
  cancelled: 3,
  /** The API could not be reached. */
  unreachable: 4,
} as const;

/** An error that is reported as its message alone, with a given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** Prints an error to stderr and returns the exit code it means. */
export function reportError(error: unknown, write: (line: string) => void): number {
  if (error instanceof CliError) {
    write(`error: ${error.message}`);
    for (const line of error.details) write(`  ${line}`);
    return error.exitCode;
  }
  if (error instanceof AnchorageConnectionError) {
    write(`error: ${error.message}`);
    return EXIT.unreachable;
  }
  if (error instanceof AnchorageApiError) {
    write(`error: ${error.message} (HTTP ${error.status})`);
    for (const issue of error.issues) write(`  ${issue.path}: ${issue.message}`);
    return error.status >= 400 && error.status < 500 ? EXIT.usage : EXIT.failed;
  }
  write(`error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}
