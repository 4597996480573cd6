import { BullModule } from '@nestjs/bullmq';
import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { API_CONFIG, type ApiConfig } from './config.js';
import { CatalogController } from './controllers/catalog.controller.js';
import { DatasetsController } from './controllers/datasets.controller.js';
import { EventsController } from './controllers/events.controller.js';
import { FamiliesController } from './controllers/families.controller.js';
import { HealthController } from './controllers/health.controller.js';
import { KeysController } from './controllers/keys.controller.js';
import { MetricsController } from './controllers/metrics.controller.js';
import { ModelsController } from './controllers/models.controller.js';
import { RunsController } from './controllers/runs.controller.js';
import { PipelinesController } from './controllers/pipelines.controller.js';
import { SweepsController } from './controllers/sweeps.controller.js';
import { StitchesController } from './controllers/stitches.controller.js';
import { WorkersController } from './controllers/workers.controller.js';
import { CoordinatorGrpcController } from './grpc/coordinator.controller.js';
import { WorkerAuthGuard } from './grpc/worker-auth.guard.js';
import { ApiKeyGuard, KeyThrottlerGuard } from './http/auth.js';
import { KeysRepository } from './repositories/keys.repository.js';
import { AuthService } from './services/auth.service.js';
import { databaseProvider, DatabaseLifecycle, prismaProvider } from './repositories/database.js';
import { FamiliesRepository } from './repositories/families.repository.js';
import { ModelsRepository } from './repositories/models.repository.js';
import { QueueRepository, runQueueNames } from './repositories/queue.repository.js';
import { RunsRepository } from './repositories/runs.repository.js';
import { PipelinesRepository } from './repositories/pipelines.repository.js';
import { SweepsRepository } from './repositories/sweeps.repository.js';
import { StitchesRepository } from './repositories/stitches.repository.js';
import { WorkersRepository } from './repositories/workers.repository.js';
import { CoordinatorService } from './services/coordinator.service.js';
import { DispatchService } from './services/dispatch.service.js';
import { EventsService } from './services/events.service.js';
import { FamiliesService } from './services/families.service.js';
import { LivenessService } from './services/liveness.service.js';
import { MetricsService } from './services/metrics.service.js';
import { ModelsService } from './services/models.service.js';
import { ReconcileService } from './services/reconcile.service.js';
import { RedisSafetyCheck } from './services/redis-safety.service.js';
import { RunsService } from './services/runs.service.js';
import { PipelinesService } from './services/pipelines.service.js';
import { SweepsService } from './services/sweeps.service.js';
import { StitchesService } from './services/stitches.service.js';
import { WorkerConnections } from './services/worker-connections.js';
import { WorkersService } from './services/workers.service.js';

@Module({})
export class AppModule {
  static forConfig(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            // Secrets never reach the logs: keys travel in these headers.
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'], censor: '[redacted]' },
            // Request logs for the API surface only; health probes would drown the rest.
            autoLogging: { ignore: (req) => /^\/(healthz|readyz)/.test(req.url ?? '') },
          },
        }),
        TerminusModule,
        BullModule.forRoot({
          // Producers fail fast while Redis is down; the run row stays and reconcile enqueues it later.
          connection: { url: config.redisUrl, enableOfflineQueue: false },
          prefix: config.queuePrefix,
        }),
        BullModule.registerQueue(...runQueueNames(config).map((name) => ({ name }))),
        // Per key (or client address) per minute; 0 turns the limit off.
        ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: config.rateLimitPerMinute || Number.MAX_SAFE_INTEGER }] }),
      ],
      controllers: [
        RunsController,
        CatalogController,
        DatasetsController,
        StitchesController,
        SweepsController,
        PipelinesController,
        EventsController,
        FamiliesController,
        ModelsController,
        WorkersController,
        HealthController,
        MetricsController,
        KeysController,
        CoordinatorGrpcController,
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        // Order matters: the rate limit first (it needs no database), then the key check.
        ...(config.rateLimitPerMinute > 0 ? [{ provide: APP_GUARD, useClass: KeyThrottlerGuard }] : []),
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        WorkerAuthGuard,
        KeysRepository,
        AuthService,
        databaseProvider,
        prismaProvider,
        DatabaseLifecycle,
        RunsRepository,
        ModelsRepository,
        WorkersRepository,
        FamiliesRepository,
        StitchesRepository,
        SweepsRepository,
        PipelinesRepository,
        QueueRepository,
        WorkerConnections,
        DispatchService,
        RunsService,
        ModelsService,
        MetricsService,
        WorkersService,
        FamiliesService,
        StitchesService,
        SweepsService,
        PipelinesService,
        EventsService,
        CoordinatorService,
        RedisSafetyCheck,
        LivenessService,
        ReconcileService,
      ],
    };
  }
}
