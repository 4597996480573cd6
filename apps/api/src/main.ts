// Entry point of the API process: parse config, start REST and the gRPC coordinator.
import 'reflect-metadata';
import { createApiApp } from './app.js';
import { ConfigError, loadApiConfig } from './config.js';
import { UnsafeRedisError } from './services/redis-safety.service.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadApiConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApiApp(config);
  await app.startAllMicroservices();
  await app.listen({ port: config.port, host: config.host });
  console.log(`anchorage api listening on http://${config.host}:${config.port} (gRPC coordinator on ${config.grpcHost}:${config.grpcPort})`);
}

main().catch((error: unknown) => {
  // A refusal with its own clear message needs no stack trace.
  console.error(error instanceof UnsafeRedisError ? error.message : error);
  process.exit(error instanceof UnsafeRedisError ? 2 : 1);
});
