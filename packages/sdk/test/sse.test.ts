import { describe, expect, it } from 'vitest';
import { AnchorageApiError, AnchorageClient, AnchorageConnectionError, SseParser } from '../src/index.js';

describe('SseParser', () => {
  it('parses events split across arbitrary chunks, with ids, types and JSON data', () => {
    const text = 'id: s1.m0.l0\nevent: status\ndata: {"status":"running"}\n\n: comment\nid: s1.m2.l0\nevent: metrics\ndata: {"points":\ndata: [1,2]}\n\n';
    for (const size of [1, 3, 7, text.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
      expect(events).toEqual([
        { id: 's1.m0.l0', type: 'status', data: { status: 'running' } },
        { id: 's1.m2.l0', type: 'metrics', data: { points: [1, 2] } },
      ]);
    }
  });

  it('handles CRLF and CR line endings, default type, non-JSON data, retry and id persistence', () => {
    const parser = new SseParser();
    const events = parser.push('retry: 1500\r\nid: a\r\ndata: hello\r\n\r\ndata: {"x":1}\r');
    expect(events).toEqual([{ id: 'a', type: 'message', data: 'hello' }]);
    // the \r alone could be half of \r\n: nothing is dispatched until the next char
    expect(parser.push('\n\r\n')).toEqual([{ id: 'a', type: 'message', data: { x: 1 } }]);
    expect(parser.retryMs).toBe(1500);
    expect(parser.push('event: ping\rdata: {}\r\r')).toEqual([]);
    expect(parser.push(': keep-alive\n')).toEqual([{ id: 'a', type: 'ping', data: {} }]);
  });

  it('ignores blocks without data and drops an unterminated trailing event', () => {
    const parser = new SseParser();
    expect(parser.push('id: only\n\nevent: x\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('only');
    expect(parser.push('data: partial')).toEqual([]);
    parser.end();
    expect(parser.push('data: 2\n\n')).toEqual([{ id: 'only', type: 'message', data: 2 }]);
  });
});

function streamOf(chunks: string[], error?: Error): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  // Pull-based, so the chunks are read before the error (an errored stream drops its queue).
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else if (error) controller.error(error);
      else controller.close();
    },
  });
}

const sse = (body: ReadableStream<Uint8Array>) => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });

describe('AnchorageClient.runEvents', () => {
  it('reconnects with Last-Event-ID after a drop and ends at `end`', async () => {
    const seen: (string | null)[] = [];
    let call = 0;
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      seen.push(new Headers(init.headers).get('last-event-id'));
      call++;
      if (call === 1) return sse(streamOf(['id: s0.m0.l0\nevent: snapshot\ndata: {"id":"r1"}\n\nid: s1.m0.l0\nevent: status\ndata: {"status":"running"}\n\nid: s1.m1'], new Error('socket reset')));
      if (call === 2) throw new TypeError('fetch failed');
      return sse(streamOf(['id: s1.m3.l0\nevent: metrics\ndata: {"points":[]}\n\nid: s2.m3.l0\nevent: end\ndata: {"status":"succeeded"}\n\nid: never\nevent: x\ndata: 1\n\n']));
    }) as unknown as typeof fetch;
    const client = new AnchorageClient({ baseUrl: 'http://api.test/', fetch: fakeFetch });
    const events = [];
    for await (const e of client.runEvents('r1', { reconnectDelayMs: 1 })) events.push(e);
    expect(events.map((e) => `${e.type}@${e.id}`)).toEqual(['snapshot@s0.m0.l0', 'status@s1.m0.l0', 'metrics@s1.m3.l0', 'end@s2.m3.l0']);
    expect(seen).toEqual([null, 's1.m0.l0', 's1.m0.l0']);
  });

  it('throws AnchorageApiError for an error answer and AnchorageConnectionError when unreachable', async () => {
    const notFound = (async () =>
      new Response(JSON.stringify({ error: 'run not found: nope' }), { status: 404, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
    const a = new AnchorageClient({ baseUrl: 'http://api.test', fetch: notFound });
    await expect(a.runEvents('nope')[Symbol.asyncIterator]().next()).rejects.toMatchObject({ name: 'AnchorageApiError', status: 404, message: 'run not found: nope' });
    await expect(a.getRun('nope')).rejects.toBeInstanceOf(AnchorageApiError);

    const down = (async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    const b = new AnchorageClient({ baseUrl: 'http://api.test', fetch: down });
    const error = await b.listRuns().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnchorageConnectionError);
    expect((error as Error).message).toContain('http://api.test');
    expect((error as Error).message).toContain('ECONNREFUSED');
    await expect(b.runEvents('r').next()).rejects.toBeInstanceOf(AnchorageConnectionError);
  });

  it('sends query parameters, the idempotency key, the API key, and reports issues', async () => {
    // openapi-fetch hands the fetch a Request.
    const requests: Request[] = [];
    const fakeFetch = (async (request: Request) => {
      requests.push(request);
      if (request.method === 'POST')
        return new Response(JSON.stringify({ error: 'invalid train spec', issues: [{ path: 'spec.steps', message: 'too small' }] }), { status: 400 });
      return new Response(JSON.stringify({ runs: [], nextCursor: null, total: 0 }), { status: 200 });
    }) as unknown as typeof fetch;
    const client = new AnchorageClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch: fakeFetch });
    await client.listRuns({ kind: 'train', limit: 5, q: '' });
    expect(requests[0].url).toBe('http://api.test/v1/runs?kind=train&limit=5');
    expect(requests[0].headers.get('authorization')).toBe('Bearer k');
    const error = await client.submitRun({ kind: 'train', spec: { steps: 0 } }, { idempotencyKey: 'abc' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, message: 'invalid train spec', issues: [{ path: 'spec.steps', message: 'too small' }] });
    expect(requests[1].headers.get('idempotency-key')).toBe('abc');
    expect(await requests[1].json()).toEqual({ kind: 'train', spec: { steps: 0 } });
  });
});
