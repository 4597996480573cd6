import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../http/auth.js';
import { MetricsService } from '../services/metrics.service.js';

@ApiTags('health')
@Public('metricsPublic')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics: runs by status, queue depth per class, workers by state, heartbeat ages, attempt durations' })
  @ApiProduces('text/plain')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
