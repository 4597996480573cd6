// Generated files are committed; this regenerates each into a scratch folder and fails on drift.
// Fix a failure with `npm run gen` and commit the result.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM script without types
import { GENERATED, generateOpenApi, generateProtoTypes, generateSdkTypes, ROOT } from '../scripts/generators.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'anchorage-gen-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function expectSameTree(generated: string, committed: string) {
  const fresh = files(generated);
  const stored = files(committed);
  expect([...stored.keys()].sort(), `files under ${relative(ROOT, committed)}`).toEqual([...fresh.keys()].sort());
  for (const [path, text] of fresh) expect(stored.get(path), `${relative(ROOT, committed)}/${path} drifted: run npm run gen`).toBe(text);
}

describe('generated files match their sources', () => {
  it('proto types', () => {
    const out = join(scratch, 'proto');
    generateProtoTypes(out);
    expectSameTree(out, join(ROOT, GENERATED.protoTypes));
  });

  it('Prisma client', () => {
    execFileSync(process.execPath, [join(ROOT, 'packages/db/scripts/generate.mjs'), '--root', join(scratch, 'prisma-root')], { stdio: 'pipe' });
    expectSameTree(join(scratch, 'prisma-root/packages/db/src/generated/prisma'), join(ROOT, 'packages/db/src/generated/prisma'));
  });

  it('OpenAPI document', async () => {
    const out = join(scratch, 'openapi.json');
    await generateOpenApi(out);
    expect(readFileSync(join(ROOT, GENERATED.openapi), 'utf8'), 'docs/openapi.json drifted: run npm run gen').toBe(readFileSync(out, 'utf8'));
  });

  it('SDK types from the OpenAPI document', async () => {
    const out = join(scratch, 'openapi.ts');
    await generateSdkTypes(join(ROOT, GENERATED.openapi), out);
    expect(readFileSync(join(ROOT, GENERATED.sdkTypes), 'utf8'), `${GENERATED.sdkTypes} drifted: run npm run gen`).toBe(readFileSync(out, 'utf8'));
  });
});
