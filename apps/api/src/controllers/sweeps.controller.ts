import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SweepsService } from '../services/sweeps.service.js';
import { ref } from '../http/openapi.js';
import { CurrentCaller, Roles } from '../http/auth.js';
import { AuthService, type Caller } from '../services/auth.service.js';
import { limitQuery, parseQuery } from '../http/query.js';

const listQuery = limitQuery(200);

@ApiTags('sweeps')
@Controller('v1/sweeps')
export class SweepsController {
  constructor(
    private readonly sweeps: SweepsService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @Roles('admin', 'submitter')
  @ApiOperation({
    summary: 'Start a sweep',
    description:
      'Grid or random search over spec paths of a base run. Every trial is validated before anything runs; `concurrency` trials run at once; ' +
      'with `earlyStopping` the median rule cancels trials worse than the finished ones; trials are ranked by `objective`.',
  })
  @ApiBody({ schema: ref('CreateSweepRequest') })
  @ApiResponse({ status: 201, schema: ref('Sweep') })
  @ApiResponse({ status: 400, description: 'Invalid request or a trial that is not a valid run; `issues` names the parameter', schema: ref('Error') })
  async create(@Body() body: unknown, @CurrentCaller() caller: Caller) {
    const created = await this.sweeps.create(body, caller.principal.id);
    await this.auth.audit(caller, 'sweep.create', created.id);
    return created;
  }

  @Get()
  @ApiOperation({ summary: 'Sweeps, newest first' })
  @listQuery.openApi()
  @ApiResponse({ status: 200, schema: ref('SweepList') })
  list(@Query() query: unknown) {
    return this.sweeps.list(parseQuery(listQuery.schema, query).limit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A sweep with its trials, best objective first' })
  @ApiResponse({ status: 200, schema: ref('Sweep') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  get(@Param('id') id: string) {
    return this.sweeps.get(id);
  }

  @Post(':id/cancel')
  @Roles('admin', 'submitter')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a sweep: no more trials start and the active ones are cancelled' })
  @ApiResponse({ status: 200, schema: ref('Sweep') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The sweep already ended', schema: ref('Error') })
  async cancel(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const cancelled = await this.sweeps.cancel(id, caller.principal);
    await this.auth.audit(caller, 'sweep.cancel', id);
    return cancelled;
  }
}
