// A typed client for the Anchorage REST API. Paths, parameters and bodies are typed by
// `generated/openapi.ts`, which openapi-typescript makes from the committed docs/openapi.json, and
// requests go through openapi-fetch: the SDK (and the CLI and dashboard on it) cannot drift from the API.
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/openapi.js';
import { AnchorageApiError, AnchorageConnectionError, type ApiIssue } from './errors.js';
import { SseParser } from './sse.js';

type Schemas = components['schemas'];
export type RunView = Schemas['Run'];
export type RunSummaryView = Schemas['RunSummary'];
export type RunStatus = RunView['status'];
export type AttemptView = Schemas['Attempt'];
export type RunListView = Schemas['RunList'];
export type MetricSeriesView = Schemas['RunMetrics'];
export type RunLogsView = Schemas['RunLogs'];
export type ModelView = Schemas['Model'];
export type ModelListView = Schemas['ModelList'];
export type WorkerView = Schemas['Worker'];
export type QueueListView = Schemas['QueueList'];
export type FamilyView = Schemas['Family'];
export type StitchView = Schemas['Stitch'];
export type StitchListView = Schemas['StitchList'];
export type FrontierView = Schemas['Frontier'];
export type CatalogView = Schemas['Catalog'];
export type SweepView = Schemas['Sweep'];
export type CreateSweepInput = Schemas['CreateSweepRequest'];
export type DatasetListView = Schemas['DatasetList'];
export type PipelineView = Schemas['Pipeline'];
export type CreatePipelineInput = Schemas['CreatePipelineRequest'];
export type CreateRunInput = Schemas['CreateRunRequest'];
export type CreateFamilyInput = Schemas['CreateFamilyRequest'];
export type KeyView = Schemas['ApiKey'];
export type CreatedKeyView = Schemas['CreatedApiKey'];
export type CreateKeyInput = Schemas['CreateKeyRequest'];
export type MeView = Schemas['Me'];
export type AuditListView = Schemas['AuditList'];
export type ListRunsOptions = NonNullable<paths['/v1/runs']['get']['parameters']['query']>;
export type ListModelsOptions = NonNullable<paths['/v1/models']['get']['parameters']['query']>;

export interface AnchorageClientOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

export interface EventStreamOptions {
  /** Resume right after this event id (a cursor the API sent); without it a run stream starts with a `snapshot`. */
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

export interface StatusEventData {
  runId: string;
  status: RunStatus;
  reason: string | null;
  time: string;
}

/** One event of `GET /v1/runs/:id/events`; `id` is a resume cursor. */
export type RunEvent =
  | { id: string; type: 'snapshot'; data: RunView }
  | { id: string; type: 'status'; data: StatusEventData }
  | { id: string; type: 'metrics'; data: { runId: string; points: MetricPoint[] } }
  | { id: string; type: 'logs'; data: { runId: string; lines: LogLine[] } }
  | { id: string; type: 'ping'; data: Record<string, never> }
  | { id: string; type: 'end'; data: { runId: string; status: RunStatus } };

/** One event of `GET /v1/events`: run status changes (resumable) and worker changes. */
export type GlobalEvent =
  | { id: string; type: 'status'; data: StatusEventData }
  | { id: string; type: 'worker'; data: { worker: WorkerView } }
  | { id: string; type: 'ping'; data: Record<string, never> };

/** What openapi-fetch returns for one call. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export class AnchorageClient {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly fetchImpl: typeof fetch;
  private readonly api: Client<paths>;

  constructor(options: AnchorageClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: { accept: 'application/json', ...this.authHeaders() },
      fetch: (request) => this.fetchImpl(request),
    });
  }

  // ---- runs ----

  /** Submits a run; with the same `idempotencyKey` a repeat returns the same run. */
  submitRun(body: CreateRunInput, options: { idempotencyKey?: string } = {}): Promise<RunView> {
    const headers = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : undefined;
    return this.call(this.api.POST('/v1/runs', { body, headers }));
  }

  getRun(id: string): Promise<RunView> {
    return this.call(this.api.GET('/v1/runs/{id}', { params: { path: { id } } }));
  }

  listRuns(query: ListRunsOptions = {}): Promise<RunListView> {
    return this.call(this.api.GET('/v1/runs', { params: { query: defined(query) } }));
  }

  cancelRun(id: string): Promise<RunView> {
    return this.call(this.api.POST('/v1/runs/{id}/cancel', { params: { path: { id } } }));
  }

  /** Queues a failed run again with one more attempt. */
  retryRun(id: string): Promise<RunView> {
    return this.call(this.api.POST('/v1/runs/{id}/retry', { params: { path: { id } } }));
  }

  /** One page of a run's log lines, oldest first; pass `nextCursor` back as `after`. */
  runLogs(id: string, query: { after?: string; limit?: number } = {}): Promise<RunLogsView> {
    return this.call(this.api.GET('/v1/runs/{id}/logs', { params: { path: { id }, query: defined(query) } }));
  }

  runMetrics(id: string, query: { name?: string; maxPoints?: number } = {}): Promise<MetricSeriesView> {
    return this.call(this.api.GET('/v1/runs/{id}/metrics', { params: { path: { id }, query: defined(query) } }));
  }

  /** The job kinds with their spec schemas (JSON Schema). */
  catalog(): Promise<CatalogView> {
    return this.call(this.api.GET('/v1/catalog'));
  }

  /** The dataset registry: base data and transfer tasks. */
  datasets(): Promise<DatasetListView> {
    return this.call(this.api.GET('/v1/datasets'));
  }

  // ---- sweeps ----

  createSweep(body: CreateSweepInput): Promise<SweepView> {
    return this.call(this.api.POST('/v1/sweeps', { body }));
  }

  getSweep(id: string): Promise<SweepView> {
    return this.call(this.api.GET('/v1/sweeps/{id}', { params: { path: { id } } }));
  }

  listSweeps(query: { limit?: number } = {}): Promise<{ sweeps: SweepView[] }> {
    return this.call(this.api.GET('/v1/sweeps', { params: { query: defined(query) } }));
  }

  cancelSweep(id: string): Promise<SweepView> {
    return this.call(this.api.POST('/v1/sweeps/{id}/cancel', { params: { path: { id } } }));
  }

  // ---- pipelines ----

  createPipeline(body: CreatePipelineInput): Promise<PipelineView> {
    return this.call(this.api.POST('/v1/pipelines', { body }));
  }

  getPipeline(id: string): Promise<PipelineView> {
    return this.call(this.api.GET('/v1/pipelines/{id}', { params: { path: { id } } }));
  }

  listPipelines(query: { limit?: number } = {}): Promise<{ pipelines: PipelineView[] }> {
    return this.call(this.api.GET('/v1/pipelines', { params: { query: defined(query) } }));
  }

  cancelPipeline(id: string): Promise<PipelineView> {
    return this.call(this.api.POST('/v1/pipelines/{id}/cancel', { params: { path: { id } } }));
  }

  // ---- stitching ----

  stitches(id: string): Promise<StitchListView> {
    return this.call(this.api.GET('/v1/runs/{id}/stitches', { params: { path: { id } } }));
  }

  frontier(id: string, query: { maxFlops?: number; maxLatencyMs?: number } = {}): Promise<FrontierView> {
    return this.call(this.api.GET('/v1/runs/{id}/frontier', { params: { path: { id }, query: defined(query) } }));
  }

  exportStitch(id: string, stitchId: number): Promise<ModelView> {
    return this.call(this.api.POST('/v1/runs/{id}/stitches/{stitchId}/export', { params: { path: { id, stitchId: String(stitchId) } } }));
  }

  // ---- families, models, workers, queues ----

  createFamily(body: CreateFamilyInput): Promise<FamilyView> {
    return this.call(this.api.POST('/v1/families', { body }));
  }

  getFamily(id: string): Promise<FamilyView> {
    return this.call(this.api.GET('/v1/families/{id}', { params: { path: { id } } }));
  }

  listModels(query: ListModelsOptions = {}): Promise<ModelListView> {
    return this.call(this.api.GET('/v1/models', { params: { query: defined(query) } }));
  }

  getModel(id: string): Promise<ModelView> {
    return this.call(this.api.GET('/v1/models/{id}', { params: { path: { id } } }));
  }

  listWorkers(): Promise<{ workers: WorkerView[] }> {
    return this.call(this.api.GET('/v1/workers'));
  }

  /** Asks a worker to hand back its runs and exit. */
  drainWorker(id: string): Promise<WorkerView> {
    return this.call(this.api.POST('/v1/workers/{id}/drain', { params: { path: { id } } }));
  }

  /** The calling key: id, name and role. */
  me(): Promise<MeView> {
    return this.call(this.api.GET('/v1/me'));
  }

  /** Creates an API key or worker token (admin); the answer holds the secret, once. */
  createKey(input: CreateKeyInput): Promise<CreatedKeyView> {
    return this.call(this.api.POST('/v1/keys', { body: input }));
  }

  listKeys(): Promise<{ keys: KeyView[] }> {
    return this.call(this.api.GET('/v1/keys'));
  }

  /** Revokes a key (admin): it stops working at once. */
  revokeKey(id: string): Promise<KeyView> {
    return this.call(this.api.POST('/v1/keys/{id}/revoke', { params: { path: { id } } }));
  }

  /** The audit log, newest first (admin). */
  audit(query: NonNullable<paths['/v1/audit']['get']['parameters']['query']> = {}): Promise<AuditListView> {
    return this.call(this.api.GET('/v1/audit', { params: { query } }));
  }

  listQueues(): Promise<QueueListView> {
    return this.call(this.api.GET('/v1/queues'));
  }

  // ---- events ----

  /**
   * The run's server-sent events. If the connection drops before `end`, it reconnects with
   * Last-Event-ID (the last cursor seen) so nothing is lost or repeated. Ends after `end`, or
   * quietly when `signal` aborts.
   */
  runEvents(id: string, options: EventStreamOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
    return this.eventStream<RunEvent>(`/v1/runs/${encodeURIComponent(id)}/events`, options);
  }

  /** Status changes of every run and worker changes, until `signal` aborts; reconnects like `runEvents`. */
  events(options: EventStreamOptions = {}): AsyncGenerator<GlobalEvent, void, undefined> {
    return this.eventStream<GlobalEvent>('/v1/events', options);
  }

  private async *eventStream<E extends { id: string; type: string }>(path: string, options: EventStreamOptions): AsyncGenerator<E, void, undefined> {
    const url = this.baseUrl + path;
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
        if (!response.ok) throw await readApiError(response);
        connectedOnce = true;
        const parser = new SseParser();
        let progressed = false;
        try {
          const decoder = new TextDecoder();
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            for (const message of parser.push(decoder.decode(chunk, { stream: true }))) {
              if (message.id !== undefined) lastEventId = message.id;
              progressed = true;
              yield message as unknown as E;
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

  /** The body of a 2xx answer; otherwise an AnchorageApiError (4xx/5xx) or AnchorageConnectionError (no answer). */
  private async call<T>(pending: Promise<FetchResult<T>>): Promise<T> {
    let result: FetchResult<T>;
    try {
      result = await pending;
    } catch (error) {
      throw new AnchorageConnectionError(this.baseUrl, error);
    }
    if (!result.response.ok) throw apiError(result.response, result.error);
    return result.data as T;
  }
}

function apiError(response: Response, body: unknown): AnchorageApiError {
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

async function readApiError(response: Response): Promise<AnchorageApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return apiError(response, body);
}

/** Drops undefined and empty-string values, so they are not sent as `?key=`. */
function defined<T extends object>(query: T): T {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== '')) as T;
}

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
