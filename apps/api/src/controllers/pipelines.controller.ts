import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PipelinesService } from '../services/pipelines.service.js';
import { ref } from '../http/openapi.js';
import { Principal } from '../http/principal.js';
import { limitQuery, parseQuery } from '../http/query.js';

const listQuery = limitQuery(200);

@ApiTags('pipelines')
@Controller('v1/pipelines')
export class PipelinesController {
  constructor(private readonly pipelines: PipelinesService) {}

  @Post()
  @ApiOperation({
    summary: 'Start a pipeline',
    description:
      'Steps (runs, families, exports) with dependencies; "${step.path}" strings take values from earlier steps\' outputs. ' +
      'A failed step fails the pipeline, or with `onFailure: skip` skips only its dependents.',
  })
  @ApiBody({ schema: ref('CreatePipelineRequest') })
  @ApiResponse({ status: 201, schema: ref('Pipeline') })
  @ApiResponse({ status: 400, description: 'Invalid steps, unknown dependencies, cycles or references to non-ancestors; `issues` names each', schema: ref('Error') })
  create(@Body() body: unknown, @Principal() owner: string) {
    return this.pipelines.create(body, owner);
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
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a pipeline: running steps are cancelled, the rest skipped' })
  @ApiResponse({ status: 200, schema: ref('Pipeline') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The pipeline already ended', schema: ref('Error') })
  cancel(@Param('id') id: string) {
    return this.pipelines.cancel(id);
  }
}
