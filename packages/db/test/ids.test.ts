import { describe, expect, it } from 'vitest';
import { idTime, newId, newUuidV7 } from '../src/index.js';

describe('newId', () => {
  it('makes prefixed RFC 9562 version-7 UUIDs', () => {
    const id = newId('run');
    expect(id).toMatch(/^run_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newUuidV7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newId('')).not.toContain('_');
  });

  it('is strictly increasing as a string, even many per millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('att'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('encodes its creation time', () => {
    const before = Date.now();
    const id = newId('run');
    const after = Date.now();
    const t = idTime(id).getTime();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after + 1000); // a burst of >4096/ms borrows following milliseconds
    expect(() => idTime('run_nope')).toThrow(/time-sortable/);
  });
});
