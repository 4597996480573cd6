import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { WorkersService } from '../services/workers.service.js';
import { ref } from '../http/openapi.js';

@ApiTags('workers')
@Controller('v1/workers')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get()
  @ApiOperation({ summary: 'Registered workers with their backend, devices and heartbeat age' })
  @ApiResponse({ status: 200, schema: ref('WorkerList') })
  list() {
    return this.workers.list();
  }
}
