import { Controller, Headers, Param, Query, Sse, type MessageEvent } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { map, type Observable } from 'rxjs';
import { z } from 'zod';
import { EventsService, type StreamEvent } from '../services/events.service.js';
import { ref } from '../http/openapi.js';
import { parseQuery } from '../http/query.js';

const resumeQuery = z.object({ lastEventId: z.string().min(1).optional() }).strict();

const toMessage = (e: StreamEvent): MessageEvent => ({ id: e.id, type: e.type, data: e.data as object });

@ApiTags('events')
@Controller()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Sse('v1/runs/:id/events')
  @ApiOperation({
    summary: 'Server-sent events of a run',
    description:
      'Events `snapshot` (the run, first on a fresh stream), `status`, `metrics` (batched points), `logs`, `ping` and `end` (the run finished). ' +
      'Every event id is a cursor: reconnect with the Last-Event-ID header (or ?lastEventId=) to resume right after it.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiQuery({ name: 'lastEventId', required: false, type: String })
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  @ApiResponse({ status: 400, schema: ref('Error') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  async run(@Param('id') id: string, @Headers('last-event-id') header: string | undefined, @Query() query: unknown): Promise<Observable<MessageEvent>> {
    const { lastEventId } = parseQuery(resumeQuery, query);
    return (await this.events.runStream(id, header ?? lastEventId)).pipe(map(toMessage));
  }

  @Sse('v1/events')
  @ApiOperation({
    summary: 'Server-sent status changes of every run and worker changes (for run lists and the fleet)',
    description: 'Events `status` (resumable with Last-Event-ID), `worker` (a worker\'s status, current run or connection changed; data `{ worker }`) and `ping`.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiQuery({ name: 'lastEventId', required: false, type: String })
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  async all(@Headers('last-event-id') header: string | undefined, @Query() query: unknown): Promise<Observable<MessageEvent>> {
    const { lastEventId } = parseQuery(resumeQuery, query);
    return (await this.events.globalStream(header ?? lastEventId)).pipe(map(toMessage));
  }
}
