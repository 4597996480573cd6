import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DATASETS } from '@anchorage/contracts';
import { ref } from '../http/openapi.js';

@ApiTags('models')
@Controller('v1/datasets')
export class DatasetsController {
  @Get()
  @ApiOperation({ summary: 'The dataset registry: the base data anchors train on and the transfer tasks for fine-tuning' })
  @ApiResponse({ status: 200, schema: ref('DatasetList') })
  list() {
    return { datasets: DATASETS.map((d) => ({ id: d.id, description: d.description, classes: d.classes, role: d.role })) };
  }
}
