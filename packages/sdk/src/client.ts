// A typed client for the Anchorage REST API (docs/openapi.json) over fetch.
import type { z } from 'zod';
import type {
  CreateRunInput,
  FamilyView,
  MetricSeriesView,
  ModelView,
  RunStatus,
  RunSummaryView,
  RunView,
  StitchView,
  WorkerView,
  createFamilySchema,
  frontierSchema,
  RunLogsView,
} from '@anchorage/contracts';
import { AnchorageApiError, AnchorageConnectionError, type ApiIssue } from './errors.js';
import { SseParser } from './sse.js';

export type CreateFamilyInput = z.input<typeof createFamilySchema>;
export type FrontierView = z.output<typeof frontierSchema>;

export interface RunListView {
  runs: RunSummaryView[];
  nextCursor: string | null;
}

export interface StitchListView {
  runId: string;
  stitches: StitchView[];
}

export interface AnchorageClientOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

export interface ListRunsOptions {
  kind?: string;
  status?: RunStatus;
  cursor?: string;
  limit?: number;
}

export interface RunEventsOptions {
  /** Resume right after this event id (a cursor the API sent); without it the stream starts with a `snapshot`. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Reconnect attempts in a row before giving up (default 5). */
  maxReconnects?: number;
  /** First reconnect delay in ms, doubled per failed attempt (default 250; the server's `retry:` wins). */
  reconnectDelayMs?: number;
}

export interface MetricPoint {
  name: string;
  step: number;
  value: number;
  time: string;
}

export interface LogLine {
  level: string;
  message: string;
  time: string;
}

/** One event of `GET /v1/runs/:id/events`; `id` is a resume cursor. */
export type RunEvent =
  | { id: string; type: 'snapshot'; data: RunView }
  | { id: string; type: 'status'; data: { runId: string; status: RunStatus; reason: string | null; time: string } }
  | { id: string; type: 'metrics'; data: { runId: string; points: MetricPoint[] } }
  | { id: string; type: 'logs'; data: { runId: string; lines: LogLine[] } }
  | { id: string; type: 'ping'; data: Record<string, never> }
  | { id: string; type: 'end'; data: { runId: string; status: RunStatus } };

type Query = Record<string, string | number | undefined>;

export class AnchorageClient {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: AnchorageClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  // ---- runs ----

  /** Submits a run; with the same `idempotencyKey` a repeat returns the same run. */
  submitRun(body: CreateRunInput, options: { idempotencyKey?: string } = {}): Promise<RunView> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    return this.request<RunView>('POST', '/v1/runs', { body, headers });
  }

  getRun(id: string): Promise<RunView> {
    return this.request('GET', `/v1/runs/${enc(id)}`);
  }

  listRuns(options: ListRunsOptions = {}): Promise<RunListView> {
    return this.request('GET', '/v1/runs', { query: { ...options } });
  }

  cancelRun(id: string): Promise<RunView> {
    return this.request('POST', `/v1/runs/${enc(id)}/cancel`);
  }

  /** One page of a run's log lines, oldest first; pass `nextCursor` back as `after`. */
  runLogs(id: string, options: { after?: string; limit?: number } = {}): Promise<RunLogsView> {
    return this.request('GET', `/v1/runs/${enc(id)}/logs`, { query: { ...options } });
  }

  runMetrics(id: string, options: { name?: string; maxPoints?: number } = {}): Promise<MetricSeriesView> {
    return this.request('GET', `/v1/runs/${enc(id)}/metrics`, { query: { ...options } });
  }

  // ---- stitching ----

  stitches(id: string): Promise<StitchListView> {
    return this.request('GET', `/v1/runs/${enc(id)}/stitches`);
  }

  frontier(id: string, options: { maxFlops?: number; maxLatencyMs?: number } = {}): Promise<FrontierView> {
    return this.request('GET', `/v1/runs/${enc(id)}/frontier`, { query: { ...options } });
  }

  exportStitch(id: string, stitchId: number): Promise<ModelView> {
    return this.request('POST', `/v1/runs/${enc(id)}/stitches/${enc(String(stitchId))}/export`);
  }

  // ---- families, models, workers ----

  createFamily(body: CreateFamilyInput): Promise<FamilyView> {
    return this.request('POST', '/v1/families', { body });
  }

  getFamily(id: string): Promise<FamilyView> {
    return this.request('GET', `/v1/families/${enc(id)}`);
  }

  listModels(options: { kind?: string; cursor?: string; limit?: number } = {}): Promise<{ models: ModelView[]; nextCursor: string | null }> {
    return this.request('GET', '/v1/models', { query: { ...options } });
  }

  getModel(id: string): Promise<ModelView> {
    return this.request('GET', `/v1/models/${enc(id)}`);
  }

  listWorkers(): Promise<{ workers: WorkerView[] }> {
    return this.request('GET', '/v1/workers');
  }

  // ---- events ----

  /**
   * The run's server-sent events. If the connection drops before `end`, it reconnects with
   * Last-Event-ID (the last cursor seen) so nothing is lost or repeated. Ends after `end`, or
   * quietly when `signal` aborts.
   */
  async *runEvents(id: string, options: RunEventsOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
    const url = `${this.baseUrl}/v1/runs/${enc(id)}/events`;
    const maxReconnects = options.maxReconnects ?? 5;
    let lastEventId = options.lastEventId;
    let failures = 0;
    let connectedOnce = false;
    let retryMs = options.reconnectDelayMs ?? 250;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) return;
    try {
      for (;;) {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...this.authHeaders() };
        if (lastEventId) headers['last-event-id'] = lastEventId;
        let response: Response;
        try {
          response = await this.fetchImpl(url, { headers, signal: controller.signal });
        } catch (error) {
          if (controller.signal.aborted) return;
          if (!connectedOnce || ++failures > maxReconnects) throw new AnchorageConnectionError(this.baseUrl, error);
          await delay(retryMs * 2 ** (failures - 1), controller.signal);
          continue;
        }
        if (!response.ok) throw await apiError(response);
        connectedOnce = true;
        const parser = new SseParser();
        let progressed = false;
        try {
          const decoder = new TextDecoder();
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            for (const message of parser.push(decoder.decode(chunk, { stream: true }))) {
              if (message.id !== undefined) lastEventId = message.id;
              progressed = true;
              yield message as RunEvent;
              if (message.type === 'end') return;
            }
          }
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof AnchorageApiError) throw error;
          // The connection dropped mid-stream: fall through and reconnect.
        } finally {
          if (parser.retryMs !== undefined) retryMs = parser.retryMs;
        }
        if (controller.signal.aborted) return;
        failures = progressed ? 0 : failures + 1;
        if (failures > maxReconnects) throw new AnchorageConnectionError(this.baseUrl, new Error('event stream kept closing before the run ended'));
        await delay(failures ? retryMs * 2 ** (failures - 1) : 0, controller.signal);
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }

  // ---- plumbing ----

  private authHeaders(): Record<string, string> {
    return this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
  }

  private async request<T>(method: string, path: string, options: { body?: unknown; query?: Query; headers?: Record<string, string> } = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders(), ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      throw new AnchorageConnectionError(this.baseUrl, error);
    }
    if (!response.ok) throw await apiError(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

async function apiError(response: Response): Promise<AnchorageApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  const object = (body && typeof body === 'object' ? body : {}) as { error?: unknown; message?: unknown; issues?: unknown };
  const message =
    typeof object.error === 'string'
      ? object.error
      : typeof object.message === 'string'
        ? object.message
        : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const issues = Array.isArray(object.issues)
    ? (object.issues as ApiIssue[]).filter((i) => i && typeof i.path === 'string' && typeof i.message === 'string')
    : [];
  return new AnchorageApiError(response.status, message, issues, body);
}

const enc = encodeURIComponent;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
