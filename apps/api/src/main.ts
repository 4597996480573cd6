// Entry point of the API process: parse config, start REST and the gRPC coordinator.
import 'reflect-metadata';
import { createApiApp } from './app.js';
import { ConfigError, loadApiConfig } from './config.js';

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
  console.error(error);
  process.exit(1);
});
