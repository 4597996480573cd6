import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { WorkersService } from '../services/workers.service.js';
import { ref } from '../http/openapi.js';

@ApiTags('workers')
@Controller('v1')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get('queues')
  @ApiOperation({ summary: 'Depth of each resource class queue (bull-board at /admin/queues shows the jobs)' })
  @ApiResponse({ status: 200, schema: ref('QueueList') })
  queues() {
    return this.workers.queues();
  }

  @Get('workers')
  @ApiOperation({ summary: 'Registered workers with their backend, devices and heartbeat age' })
  @ApiResponse({ status: 200, schema: ref('WorkerList') })
  list() {
    return this.workers.list();
  }

  @Post('workers/:id/drain')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Drain a worker',
    description: 'It stops taking jobs, checkpoints and hands back its running attempts (requeued, not failed), deregisters and exits.',
  })
  @ApiResponse({ status: 200, schema: ref('Worker') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The worker is not connected to this API or already gone', schema: ref('Error') })
  drain(@Param('id') id: string) {
    return this.workers.drain(id);
  }
}
