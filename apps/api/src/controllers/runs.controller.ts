import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { JOB_KINDS, RUN_STATUSES } from '@anchorage/contracts';
import { RunsService } from '../services/runs.service.js';
import { ref } from '../http/openapi.js';
import { CurrentCaller, Roles } from '../http/auth.js';
import { AuthService, type Caller } from '../services/auth.service.js';
import { parseQuery } from '../http/query.js';

const listQuery = z
  .object({
    kind: z.enum(JOB_KINDS).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    q: z.string().max(200).optional(),
    cursor: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const logsQuery = z
  .object({ after: z.string().regex(/^\d+$/, 'must be a log line id').optional(), limit: z.coerce.number().int().min(1).max(5000).default(500) })
  .strict();

const metricsQuery = z
  .object({ name: z.string().min(1).optional(), maxPoints: z.coerce.number().int().min(2).max(100_000).optional() })
  .strict();

@ApiTags('runs')
@Controller('v1/runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @Roles('admin', 'submitter')
  @ApiOperation({ summary: 'Submit a run', description: 'Validated against the job catalog; defaults are applied and stored.' })
  @ApiBody({ schema: ref('CreateRunRequest') })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A repeat with the same key returns the same run' })
  @ApiResponse({ status: 201, description: 'Created', schema: ref('Run') })
  @ApiResponse({ status: 200, description: 'Replay of an earlier submission with the same Idempotency-Key', schema: ref('Run') })
  @ApiResponse({ status: 400, description: 'Invalid input; `issues` names each field', schema: ref('Error') })
  async submit(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { run, replayed } = await this.runs.submit(body, { idempotencyKey, owner: caller.principal.id });
    if (!replayed) await this.auth.audit(caller, 'run.submit', run.id, { kind: run.kind, priority: run.priority, resourceClass: run.resourceClass });
    reply.status(replayed ? 200 : 201);
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    return run;
  }

  @Get()
  @ApiOperation({ summary: 'List runs, newest first', description: 'Cursor pagination: pass `nextCursor` back as `cursor`.' })
  @ApiQuery({ name: 'kind', required: false, enum: JOB_KINDS })
  @ApiQuery({ name: 'status', required: false, enum: RUN_STATUSES })
  @ApiQuery({ name: 'q', required: false, type: String, description: 'Text search: a substring of the name (any case) or a prefix of the id' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiResponse({ status: 200, schema: ref('RunList') })
  @ApiResponse({ status: 400, schema: ref('Error') })
  list(@Query() query: unknown) {
    return this.runs.list(parseQuery(listQuery, query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A run with its attempts and result' })
  @ApiResponse({ status: 200, schema: ref('Run') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  get(@Param('id') id: string) {
    return this.runs.get(id);
  }

  @Post(':id/cancel')
  @Roles('admin', 'submitter')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a run', description: 'Queued runs end at once; running attempts are aborted through the worker command stream.' })
  @ApiResponse({ status: 200, schema: ref('Run') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The run already ended', schema: ref('Error') })
  async cancel(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const run = await this.runs.cancel(id, { by: caller.principal });
    await this.auth.audit(caller, 'run.cancel', id);
    return run;
  }

  @Post(':id/retry')
  @Roles('admin', 'submitter')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Retry a failed run',
    description: 'Queues the run again with one more attempt; it resumes from its latest checkpoint where the kind checkpoints.',
  })
  @ApiResponse({ status: 200, schema: ref('Run') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The run is not failed', schema: ref('Error') })
  async retry(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const run = await this.runs.retry(id, caller.principal);
    await this.auth.audit(caller, 'run.retry', id);
    return run;
  }

  @Get(':id/logs')
  @ApiOperation({ summary: 'Log lines of a run, oldest first; page on with `after`' })
  @ApiQuery({ name: 'after', required: false, type: String, description: 'Id of the last line already read' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 5000, default: 500 } })
  @ApiResponse({ status: 200, schema: ref('RunLogs') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  logs(@Param('id') id: string, @Query() query: unknown) {
    return this.runs.logs(id, parseQuery(logsQuery, query));
  }

  @Get(':id/metrics')
  @ApiOperation({
    summary: 'Metric series of a run',
    description: 'With maxPoints, a longer series is returned as maxPoints step buckets with mean, min and max (spikes survive).',
  })
  @ApiQuery({ name: 'name', required: false, type: String, description: 'Only this metric' })
  @ApiQuery({ name: 'maxPoints', required: false, schema: { type: 'integer', minimum: 2, maximum: 100000 } })
  @ApiResponse({ status: 200, schema: ref('RunMetrics') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  metrics(@Param('id') id: string, @Query() query: unknown) {
    return this.runs.metrics(id, parseQuery(metricsQuery, query));
  }
}
