// Artifact URIs are followed only inside the artifact store, symlinks resolved first.
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { storePath } from '../src/handlers/models.js';

describe('storePath', () => {
  const root = mkdtempSync(join(tmpdir(), 'anchorage-store-'));
  const store = join(root, 'artifacts');
  const outside = join(root, 'outside');
  mkdirSync(join(store, 'models', 'mdl_1'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  symlinkSync(outside, join(store, 'models', 'escape'));

  it('accepts a folder inside the store', async () => {
    expect(await storePath(pathToFileURL(join(store, 'models', 'mdl_1')).href, store)).toBe(join(store, 'models', 'mdl_1'));
    // Not saved yet: judged by its path.
    expect(await storePath(pathToFileURL(join(store, 'models', 'mdl_2')).href, store)).toBe(join(store, 'models', 'mdl_2'));
  });

  it.each([
    ['an absolute path elsewhere', () => pathToFileURL('/etc').href],
    ['dot-dot segments', () => `file://${store}/models/../../outside`],
    ['encoded dot-dot segments', () => `file://${store}/models/%2e%2e/%2e%2e/outside`],
    ['a symlink out of the store', () => pathToFileURL(join(store, 'models', 'escape')).href],
    ['the store itself', () => pathToFileURL(store).href],
  ])('refuses %s', async (_what, uri) => {
    await expect(storePath(uri(), store)).rejects.toMatchObject({ name: 'UnsafeArtifactPathError', retryable: false });
  });

  it('refuses URIs that are not local files', async () => {
    await expect(storePath('s3://bucket/key', store)).rejects.toMatchObject({ name: 'UnsupportedArtifactError' });
    await expect(storePath('../../etc/passwd', store)).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
