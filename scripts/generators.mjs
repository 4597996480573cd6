// The generated files of the repository and how each is made. `npm run gen` writes them;
// test/generated.test.ts regenerates each into a scratch folder and fails on any drift.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const GENERATED = {
  protoTypes: 'packages/proto/src/generated',
  openapi: 'docs/openapi.json',
  sdkTypes: 'packages/sdk/src/generated/openapi.ts',
};

/** TypeScript types of the coordinator proto (proto-loader-gen-types; no protoc needed). */
export function generateProtoTypes(outDir = join(ROOT, GENERATED.protoTypes)) {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(
    join(ROOT, 'node_modules/.bin/proto-loader-gen-types'),
    [
      'anchorage/coordinator/v1/coordinator.proto',
      '--longs=String',
      '--enums=String',
      '--defaults',
      '--oneofs',
      '--includeComments',
      '--grpcLib=@grpc/grpc-js',
      '--importFileExtension=.js',
      '-O',
      outDir,
      '-I',
      'proto', // relative: the generated headers name this path
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

/** The OpenAPI document, from the built API in Nest's preview mode (no database or Redis needed). */
export async function generateOpenApi(outFile = join(ROOT, GENERATED.openapi)) {
  await import('reflect-metadata');
  const { createApiApp, buildOpenApiDocument } = await import(join(ROOT, 'apps/api/dist/app.js'));
  const { loadApiConfig } = await import(join(ROOT, 'apps/api/dist/config.js'));
  const app = await createApiApp(loadApiConfig({}), { preview: true });
  const document = buildOpenApiDocument(app);
  await app.close();
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(document, null, 2)}\n`);
}

/** The SDK's types, from the committed OpenAPI document (openapi-typescript). */
export async function generateSdkTypes(openapiFile = join(ROOT, GENERATED.openapi), outFile = join(ROOT, GENERATED.sdkTypes)) {
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  // defaultNonNullable off: a field with a default is optional in a request body.
  const ast = await openapiTS(pathToFileURL(openapiFile), { alphabetize: false, defaultNonNullable: false });
  const header = '// Generated from docs/openapi.json by openapi-typescript (npm run gen). Do not edit.\n';
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, header + astToString(ast));
}
