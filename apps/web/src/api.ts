// The dashboard's API client: the typed SDK against the origin that served the page (the API itself
// in production; vite's proxy in development), signed with the API key of this browser tab's session.
// The key lives in sessionStorage only (never in the URL, never in localStorage): it is gone when the
// tab closes. Any answer 401 from any call (a revoked key, say) ends the session and the shell shows
// the sign-in page again.
import { AnchorageApiError, AnchorageClient, type MeView } from '@anchorage/sdk';

export const KEY_STORAGE = 'anchorage.apiKey';

let current: { key: string | null; client: AnchorageClient } | undefined;
/** The key when sessionStorage is unavailable (then the session lasts as long as the page). */
let memoryKey: string | null = null;
const unauthorizedListeners = new Set<() => void>();

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

/** The key of this tab's session, if one is stored. */
export function storedKey(): string | null {
  const s = storage();
  return s ? s.getItem(KEY_STORAGE) : memoryKey;
}

function storeKey(key: string | null): void {
  memoryKey = key;
  const s = storage();
  if (!s) return;
  if (key === null) s.removeItem(KEY_STORAGE);
  else s.setItem(KEY_STORAGE, key);
}

function makeClient(key: string | null, reportUnauthorized: boolean): AnchorageClient {
  return new AnchorageClient({
    baseUrl: window.location.origin,
    apiKey: key ?? undefined,
    fetch: async (input, init) => {
      const response = await globalThis.fetch(input, init);
      // Only the session's own client ends the session: the sign-in check reports its 401 itself.
      if (response.status === 401 && reportUnauthorized && current?.key === key) expire();
      return response;
    },
  });
}

/** The client for the stored key (a new one whenever the key changes). */
export function client(): AnchorageClient {
  const key = storedKey();
  if (!current || current.key !== key) current = { key, client: makeClient(key, true) };
  return current.client;
}

/** Checks `key` with `GET /v1/me`; stores it only if the API accepts it. */
export async function signIn(key: string): Promise<MeView> {
  const trimmed = key.trim();
  const me = await makeClient(trimmed, false).me();
  storeKey(trimmed);
  current = { key: trimmed, client: makeClient(trimmed, true) };
  return me;
}

/** Forgets the key of this tab. */
export function signOut(): void {
  storeKey(null);
  current = undefined;
}

/** The API refused the session's key: forget it and tell the shell (which shows the sign-in page). */
function expire(): void {
  signOut();
  for (const listener of unauthorizedListeners) listener();
}

/** Calls `fn` whenever a call with the session's key answers 401; returns the unsubscribe. */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof AnchorageApiError && error.status === 401;
}

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
