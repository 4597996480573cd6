import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SweepsService } from '../services/sweeps.service.js';
import { ref } from '../http/openapi.js';
import { Principal } from '../http/principal.js';
import { limitQuery, parseQuery } from '../http/query.js';

const listQuery = limitQuery(200);

@ApiTags('sweeps')
@Controller('v1/sweeps')
export class SweepsController {
  constructor(private readonly sweeps: SweepsService) {}

  @Post()
  @ApiOperation({
    summary: 'Start a sweep',
    description:
      'Grid or random search over spec paths of a base run. Every trial is validated before anything runs; `concurrency` trials run at once; ' +
      'with `earlyStopping` the median rule cancels trials worse than the finished ones; trials are ranked by `objective`.',
  })
  @ApiBody({ schema: ref('CreateSweepRequest') })
  @ApiResponse({ status: 201, schema: ref('Sweep') })
  @ApiResponse({ status: 400, description: 'Invalid request or a trial that is not a valid run; `issues` names the parameter', schema: ref('Error') })
  create(@Body() body: unknown, @Principal() owner: string) {
    return this.sweeps.create(body, owner);
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
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a sweep: no more trials start and the active ones are cancelled' })
  @ApiResponse({ status: 200, schema: ref('Sweep') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The sweep already ended', schema: ref('Error') })
  cancel(@Param('id') id: string) {
    return this.sweeps.cancel(id);
  }
}
