// Regenerates every committed generated file: proto types, the Prisma client, the OpenAPI document.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { generateOpenApi, generateProtoTypes, generateSdkTypes, ROOT } from './generators.mjs';

generateProtoTypes();
console.log('proto types: packages/proto/src/generated');
execFileSync(process.execPath, [join(ROOT, 'packages/db/scripts/generate.mjs')], { stdio: 'inherit' });
execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
await generateOpenApi();
console.log('openapi: docs/openapi.json');
await generateSdkTypes();
console.log('sdk types: packages/sdk/src/generated/openapi.ts');
