// Reads a server-sent event stream in tests until a predicate holds, with the SDK's parser.
import { SseParser } from '@anchorage/sdk';

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
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      for (const m of parser.push(decoder.decode(chunk, { stream: true }))) events.push({ id: m.id, event: m.type, data: m.data });
      if (options.until(events)) break;
    }
    return { status: response.status, events };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
