// The one API client of the dashboard: the typed SDK against the origin that served the page
// (the API itself in production; vite's proxy in development).
import { AnchorageApiError, AnchorageClient } from '@anchorage/sdk';

export const client = new AnchorageClient({ baseUrl: window.location.origin });

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export const RUN_STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export const JOB_KINDS = ['train', 'stitch', 'finetune', 'evaluate', 'diagnostic'] as const;

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** What to show for a failed call: the API's own message when it answered. */
export function errorMessage(error: unknown): string {
  if (error instanceof AnchorageApiError) return error.message || `HTTP ${error.status}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
