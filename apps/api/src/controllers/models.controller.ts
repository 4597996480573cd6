import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ModelsService } from '../services/models.service.js';
import { ref } from '../http/openapi.js';
import { parseQuery } from '../http/query.js';

const listQuery = z
  .object({
    kind: z.enum(['anchor', 'stitched', 'finetuned']).optional(),
    runId: z.string().min(1).optional(),
    cursor: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

@ApiTags('models')
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOperation({ summary: 'List registered models, newest first' })
  @ApiQuery({ name: 'kind', required: false, enum: ['anchor', 'stitched', 'finetuned'] })
  @ApiQuery({ name: 'runId', required: false, type: String, description: 'Only the models this run produced' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiResponse({ status: 200, schema: ref('ModelList') })
  @ApiResponse({ status: 400, schema: ref('Error') })
  list(@Query() query: unknown) {
    return this.models.list(parseQuery(listQuery, query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A model with its architecture, metrics and lineage' })
  @ApiResponse({ status: 200, schema: ref('Model') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  get(@Param('id') id: string) {
    return this.models.get(id);
  }
}
