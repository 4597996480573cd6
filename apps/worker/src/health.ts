// Optional tiny health endpoint (node:http): GET /healthz answers with the backend, the heartbeat
// stream state and the running attempts; GET /metrics serves the process's Prometheus metrics.
import { createServer, type Server } from 'node:http';

export interface HealthSnapshot {
  status: 'ok' | 'starting' | 'draining' | 'stopping';
  [key: string]: unknown;
}

export interface MetricsSource {
  text(): Promise<string>;
  contentType: string;
}

export async function startHealthServer(port: number, snapshot: () => HealthSnapshot, metrics?: MetricsSource, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics' && metrics) {
      metrics.text().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${err.message}`);
        },
      );
      return;
    }
    if (req.method === 'GET' && (path === '/healthz' || path === '/')) {
      let body: HealthSnapshot;
      try {
        body = snapshot();
      } catch (err) {
        body = { status: 'stopping', error: (err as Error).message };
      }
      res.writeHead(body.status === 'ok' || body.status === 'draining' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return server;
}
