import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { WorkersService } from '../services/workers.service.js';
import { CurrentCaller, Roles } from '../http/auth.js';
import { ref } from '../http/openapi.js';
import { AuthService, type Caller } from '../services/auth.service.js';

@ApiTags('workers')
@Controller('v1')
export class WorkersController {
  constructor(
    private readonly workers: WorkersService,
    private readonly auth: AuthService,
  ) {}

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
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Drain a worker',
    description: 'It stops taking jobs, checkpoints and hands back its running attempts (requeued, not failed), deregisters and exits.',
  })
  @ApiResponse({ status: 200, schema: ref('Worker') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'The worker is not connected to this API or already gone', schema: ref('Error') })
  async drain(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const worker = await this.workers.drain(id);
    await this.auth.audit(caller, 'worker.drain', id, { name: worker.name });
    return worker;
  }
}
