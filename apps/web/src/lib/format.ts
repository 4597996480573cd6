// Pure formatting helpers shared by the pages (kept DOM-free so they are unit-tested in node).

/** "850 ms", "12.3 s", "3m 05s", "2h 04m", "3d 4h": short and monotone in precision. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)} s`;
  const total = Math.floor(s);
  const m = Math.floor(total / 60);
  if (m < 60) return `${m}m ${pad(total % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const pad = (n: number) => String(n).padStart(2, '0');

interface Timed {
  status: string;
  createdAt?: string | null;
  startedAt?: string | null;
  endedAt?: string | null;
}

/** A run's duration: start → end (or now); a run that never started shows how long it has waited. */
export function runDuration(run: Timed, now: number): { text: string; waiting: boolean } {
  const started = parseTime(run.startedAt);
  const ended = parseTime(run.endedAt);
  if (started !== null) return { text: formatDuration((ended ?? now) - started), waiting: false };
  const created = parseTime(run.createdAt);
  if (created === null) return { text: '—', waiting: false };
  if (run.status === 'queued') return { text: `waiting ${formatDuration(now - created)}`, waiting: true };
  return { text: '—', waiting: false };
}

export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** Local date and time, to the second; "—" for none. */
export function formatTime(iso: string | null | undefined): string {
  const t = parseTime(iso);
  if (t === null) return '—';
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A metric value with 4 significant digits, without exponent noise for ordinary magnitudes. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** 1.23 M, 45.6 k, 7.1 G: for FLOPs and parameter counts. */
export function formatCompact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) {
    if (abs >= scale) return `${Number((value / scale).toPrecision(3))} ${unit}`;
  }
  return String(Number(value.toPrecision(3)));
}

/** 1,234 */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** "test/accuracy 0.913", or "—" when the run has no key metric yet. */
export function formatKeyMetric(metric: { name: string; value: number } | null | undefined): string {
  if (!metric) return '—';
  return `${metric.name} ${formatValue(metric.value)}`;
}

/**
 * A one-line summary of a worker's accelerators JSON, which the worker reports freely:
 * `[{type:'gpu', name:'H100', count: 2}]`, `{ gpus: 1 }`, `'cpu'`, … Unknown shapes are shown compactly.
 */
export function summariseAccelerators(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    return value.map((item) => summariseAccelerators(item)).join(', ');
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const label = [o.type ?? o.kind, o.name ?? o.model].filter((x) => typeof x === 'string' && x).join(' ');
    const count = typeof o.count === 'number' ? o.count : undefined;
    // The device as workers register it: kind, model, memory (bytes, 0 = unknown) and CPU cores.
    const details = [
      typeof o.memoryBytes === 'number' && o.memoryBytes > 0 ? `${(o.memoryBytes / 1e9).toFixed(1)} GB` : '',
      typeof o.cores === 'number' && o.cores > 0 ? `${o.cores} cores` : '',
    ].filter(Boolean);
    const described = details.length ? `${label} (${details.join(', ')})` : label;
    if (label) return count !== undefined ? `${count}× ${described}` : described;
    const entries = Object.entries(o).filter(([, v]) => v !== null && v !== undefined && v !== false);
    if (entries.length === 0) return 'none';
    return entries.map(([k, v]) => (v === true ? k : `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)).join(', ');
  }
  return String(value);
}

/** Ids are long (`wkr_01a2…`); tables show a prefix and keep the whole id in a title. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** Ids of one kind share a time-ordered prefix (`run_01a2…`): siblings made together differ at the end. */
export function tailId(id: string): string {
  const cut = id.indexOf('_') + 1;
  return id.length - cut > 8 ? `${id.slice(0, cut)}…${id.slice(-6)}` : id;
}
