// Builds the API application: REST on Fastify, the gRPC coordinator (with grpc.health.v1 and server
// reflection) on its own port, and the OpenAPI document at /openapi.json with Swagger UI at /docs.
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { ServerCredentials } from '@grpc/grpc-js';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { Logger } from 'nestjs-pino';
import { COORDINATOR_PACKAGE, COORDINATOR_PROTO, LOADER_OPTIONS } from '@anchorage/proto';
import { AppModule } from './app.module.js';
import { API_VERSION, type ApiConfig } from './config.js';
import { HttpErrorFilter } from './http/error.filter.js';
import { componentSchemas } from './http/openapi.js';
import { mountDashboard } from './http/dashboard.js';
import { mountQueueBoard } from './http/queue-board.js';
import { AuthService } from './services/auth.service.js';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Anchorage API')
    .setDescription('Train, stitch, fine-tune and evaluate runs over families of pretrained models.')
    .setVersion(API_VERSION)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...componentSchemas() } };
  return document;
}

export async function createApiApp(config: ApiConfig, options: { preview?: boolean } = {}): Promise<NestFastifyApplication> {
  // HTTPS when a certificate is configured; the body limit answers 413 before any parsing.
  const https = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : null;
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    ...(https ? { https } : {}),
    // A URL that does not decode (`/v1/runs/%zz`, 400) or has an over-long parameter (414) fails in
    // Fastify's router, before Nest's filter: answer it in the public error shape too.
    frameworkErrors: (error: Error & { statusCode?: number }, _request: unknown, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      void reply.status(status).send(status === 400 ? { error: error.message, issues: [{ path: '(url)', message: error.message }] } : { error: error.message });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), adapter, {
    bufferLogs: true,
    preview: options.preview,
    abortOnError: false,
  });
  if (options.preview) return app;
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();

  const health = new HealthImplementation({ '': 'SERVING', [`${COORDINATOR_PACKAGE}.Coordinator`]: 'SERVING' });
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.GRPC,
    options: {
      package: COORDINATOR_PACKAGE,
      protoPath: COORDINATOR_PROTO,
      loader: LOADER_OPTIONS,
      url: `${config.grpcHost}:${config.grpcPort}`,
      ...(config.grpcTls
        ? { credentials: ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(config.grpcTls.cert), private_key: readFileSync(config.grpcTls.key) }], false) }
        : {}),
      onLoadPackageDefinition: (pkg, server) => {
        health.addToServer(server);
        new ReflectionService(pkg).addToServer(server);
      },
    },
  });

  await mountQueueBoard(app, app.get(AuthService));
  if (!(await mountDashboard(app, config.webDir)) && config.webDir) {
    app.get(Logger).warn(`dashboard not served: no index.html in ${config.webDir} (run npm run build)`);
  }
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
  return app;
}
