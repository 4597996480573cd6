// A small server-sent events reader for tests: collects parsed events until a predicate holds.
export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export async function readEvents(
  url: string,
  options: { headers?: Record<string, string>; until: (events: SseEvent[]) => boolean; timeoutMs?: number },
): Promise<{ status: number; events: SseEvent[]; body?: any }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30_000);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...options.headers }, signal: controller.signal });
    if (!response.headers.get('content-type')?.includes('text/event-stream')) {
      return { status: response.status, events, body: await response.json() };
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', data: undefined };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) event.id = line.slice(3).trim();
          else if (line.startsWith('event:')) event.event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length) event.data = JSON.parse(data.join('\n'));
        if (data.length || event.id) events.push(event);
      }
      if (options.until(events)) break;
    }
    return { status: response.status, events };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
