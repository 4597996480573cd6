import { Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { StitchesService } from '../services/stitches.service.js';
import { CurrentCaller, Roles } from '../http/auth.js';
import { AuthService, type Caller } from '../services/auth.service.js';
import { ref } from '../http/openapi.js';
import { parseQuery } from '../http/query.js';

const budgetQuery = z
  .object({
    maxFlops: z.coerce.number().positive().optional(),
    maxLatencyMs: z.coerce.number().positive().optional(),
  })
  .strict();

const stitchIdParam = z.object({ stitchId: z.coerce.number().int().min(0) });

@ApiTags('stitches')
@Controller('v1/runs/:id')
export class StitchesController {
  constructor(
    private readonly stitches: StitchesService,
    private readonly auth: AuthService,
  ) {}

  @Get('stitches')
  @ApiOperation({ summary: 'Every evaluated configuration of a stitch run (anchors included)' })
  @ApiResponse({ status: 200, schema: ref('StitchList') })
  @ApiResponse({ status: 400, description: 'Not a stitch run', schema: ref('Error') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The run has not succeeded (yet)', schema: ref('Error') })
  list(@Param('id') id: string) {
    return this.stitches.list(id);
  }

  @Get('frontier')
  @ApiOperation({
    summary: 'Pareto frontier and the best stitch under a budget',
    description:
      'Frontier over FLOPs (or over latency when maxLatencyMs is given). `best` is the most accurate frontier stitch within every given budget; 404 when none fits.',
  })
  @ApiQuery({ name: 'maxFlops', required: false, schema: { type: 'number' }, description: 'Multiply-adds per image' })
  @ApiQuery({ name: 'maxLatencyMs', required: false, schema: { type: 'number' } })
  @ApiResponse({ status: 200, schema: ref('Frontier') })
  @ApiResponse({ status: 400, description: 'Bad budget or not a stitch run', schema: ref('Error') })
  @ApiResponse({ status: 404, description: 'No run, or no stitch within the budget', schema: ref('Error') })
  @ApiResponse({ status: 409, schema: ref('Error') })
  frontier(@Param('id') id: string, @Query() query: unknown) {
    return this.stitches.frontier(id, parseQuery(budgetQuery, query));
  }

  @Post('stitches/:stitchId/export')
  @Roles('admin', 'submitter')
  @ApiOperation({ summary: 'Register one configuration as a model (kind `stitched`); a repeat returns the same model' })
  @ApiResponse({ status: 201, schema: ref('Model') })
  @ApiResponse({ status: 200, description: 'Already exported', schema: ref('Model') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  async export(@Param('id') id: string, @Param() params: unknown, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) reply: FastifyReply) {
    const { stitchId } = parseQuery(stitchIdParam, { stitchId: (params as { stitchId: string }).stitchId });
    const { model, created } = await this.stitches.export(id, stitchId);
    if (created) await this.auth.audit(caller, 'stitch.export', model.id, { runId: id, stitchId });
    reply.status(created ? 201 : 200);
    return model;
  }
}
