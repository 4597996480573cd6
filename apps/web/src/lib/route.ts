// Hash routes: #/runs, #/runs/<id>, #/compare?ids=a,b, #/sweeps, #/sweeps/<id>, #/pipelines,
// #/pipelines/<id>, #/workers, #/submit, #/keys. Hash routing lets the API serve one static index.html at `/`
// with no server-side rewrites.

export type Route =
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'compare'; ids: string[] }
  | { page: 'sweeps' }
  | { page: 'sweep'; id: string }
  | { page: 'pipelines' }
  | { page: 'pipeline'; id: string }
  | { page: 'workers' }
  | { page: 'submit' }
  | { page: 'keys' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [path, query = ''] = raw.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts.length === 0 || (parts[0] === 'runs' && parts.length === 1)) return { page: 'runs' };
  if (parts[0] === 'runs' && parts.length === 2) return { page: 'run', id: parts[1] };
  if (parts[0] === 'compare' && parts.length === 1) {
    const ids = (params.get('ids') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return { page: 'compare', ids: [...new Set(ids)] };
  }
  if (parts[0] === 'sweeps' && parts.length === 1) return { page: 'sweeps' };
  if (parts[0] === 'sweeps' && parts.length === 2) return { page: 'sweep', id: parts[1] };
  if (parts[0] === 'pipelines' && parts.length === 1) return { page: 'pipelines' };
  if (parts[0] === 'pipelines' && parts.length === 2) return { page: 'pipeline', id: parts[1] };
  if (parts[0] === 'workers' && parts.length === 1) return { page: 'workers' };
  if (parts[0] === 'submit' && parts.length === 1) return { page: 'submit' };
  if (parts[0] === 'keys' && parts.length === 1) return { page: 'keys' };
  return { page: 'not-found', path };
}

export const runHref = (id: string) => `#/runs/${encodeURIComponent(id)}`;
export const compareHref = (ids: readonly string[]) => `#/compare?ids=${ids.map(encodeURIComponent).join(',')}`;
export const sweepHref = (id: string) => `#/sweeps/${encodeURIComponent(id)}`;
export const pipelineHref = (id: string) => `#/pipelines/${encodeURIComponent(id)}`;
