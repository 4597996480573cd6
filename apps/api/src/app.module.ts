import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { API_CONFIG, type ApiConfig } from './config.js';
import { CatalogController } from './controllers/catalog.controller.js';
import { DatasetsController } from './controllers/datasets.controller.js';
import { EventsController } from './controllers/events.controller.js';
import { FamiliesController } from './controllers/families.controller.js';
import { HealthController } from './controllers/health.controller.js';
import { MetricsController } from './controllers/metrics.controller.js';
import { ModelsController } from './controllers/models.controller.js';
import { RunsController } from './controllers/runs.controller.js';
import { PipelinesController } from './controllers/pipelines.controller.js';
import { SweepsController } from './controllers/sweeps.controller.js';
import { StitchesController } from './controllers/stitches.controller.js';
import { WorkersController } from './controllers/workers.controller.js';
import { CoordinatorGrpcController } from './grpc/coordinator.controller.js';
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
          pinoHttp: {
            level: config.logLevel,
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
        CoordinatorGrpcController,
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
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
