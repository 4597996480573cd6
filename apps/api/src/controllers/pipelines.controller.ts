import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PipelinesService } from '../services/pipelines.service.js';
import { ref } from '../http/openapi.js';
import { CurrentCaller, Roles } from '../http/auth.js';
import { AuthService, type Caller } from '../services/auth.service.js';
import { limitQuery, parseQuery } from '../http/query.js';

const listQuery = limitQuery(200);

@ApiTags('pipelines')
@Controller('v1/pipelines')
export class PipelinesController {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @Roles('admin', 'submitter')
  @ApiOperation({
    summary: 'Start a pipeline',
    description:
      'Steps (runs, families, exports) with dependencies; "${step.path}" strings take values from earlier steps\' outputs. ' +
      'A failed step fails the pipeline, or with `onFailure: skip` skips only its dependents.',
  })
  @ApiBody({ schema: ref('CreatePipelineRequest') })
  @ApiResponse({ status: 201, schema: ref('Pipeline') })
  @ApiResponse({ status: 400, description: 'Invalid steps, unknown dependencies, cycles or references to non-ancestors; `issues` names each', schema: ref('Error') })
  async create(@Body() body: unknown, @CurrentCaller() caller: Caller) {
    const created = await this.pipelines.create(body, caller.principal.id);
    await this.auth.audit(caller, 'pipeline.create', created.id);
    return created;
  }

  @Get()
  @ApiOperation({ summary: 'Pipelines, newest first' })
  @listQuery.openApi()
  @ApiResponse({ status: 200, schema: ref('PipelineList') })
  list(@Query() query: unknown) {
    return this.pipelines.list(parseQuery(listQuery.schema, query).limit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A pipeline with the state and outputs of each step' })
  @ApiResponse({ status: 200, schema: ref('Pipeline') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  get(@Param('id') id: string) {
    return this.pipelines.get(id);
  }

  @Post(':id/cancel')
  @Roles('admin', 'submitter')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a pipeline: running steps are cancelled, the rest skipped' })
  @ApiResponse({ status: 200, schema: ref('Pipeline') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The pipeline already ended', schema: ref('Error') })
  async cancel(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const cancelled = await this.pipelines.cancel(id, caller.principal);
    await this.auth.audit(caller, 'pipeline.cancel', id);
    return cancelled;
  }
}
