import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Database } from '@anchorage/db';
import { API_VERSION } from '../config.js';
import { Public } from '../http/auth.js';
import { DATABASE } from '../repositories/database.js';
import { QueueRepository } from '../repositories/queue.repository.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DATABASE) private readonly db: Database,
    private readonly queue: QueueRepository,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  liveness() {
    return { status: 'ok', version: API_VERSION };
  }

  @Get('readyz')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database and Redis answer' })
  readiness() {
    return this.health.check([
      async () => {
        const check = this.indicators.check('database');
        try {
          await this.db.prisma.$queryRaw`SELECT 1`;
          return check.up({ kind: this.db.kind });
        } catch (error) {
          return check.down({ kind: this.db.kind, message: (error as Error).message });
        }
      },
      async () => {
        const check = this.indicators.check('redis');
        try {
          await this.queue.ping();
          return check.up();
        } catch (error) {
          return check.down({ message: (error as Error).message });
        }
      },
    ]);
  }
}
