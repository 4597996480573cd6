// Errors thrown by the client: the API answered with an error, or it could not be reached at all.

export interface ApiIssue {
  path: string;
  message: string;
}

/** The API answered with a non-2xx status; `message` is its `error`, `issues` its field problems. */
export class AnchorageApiError extends Error {
  override readonly name = 'AnchorageApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues: ApiIssue[] = [],
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** The server could not be reached (refused, DNS, reset before an answer). */
export class AnchorageConnectionError extends Error {
  override readonly name = 'AnchorageConnectionError';
  constructor(
    readonly url: string,
    override readonly cause?: unknown,
  ) {
    super(`cannot reach the Anchorage API at ${url}${describeCause(cause)}`);
  }
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = inner?.code ?? (cause as { code?: string } | undefined)?.code;
  if (code) return ` (${code})`;
  const message = inner?.message ?? (cause instanceof Error ? cause.message : undefined);
  return message ? ` (${message})` : '';
}
