// The dashboard's session: which actions each role is offered, and the API client that follows the
// key in sessionStorage (stored only once GET /v1/me accepts it, forgotten on sign-out or on any 401).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canCancelGroup, canChangeRun, canDrain, canExport, canManageKeys, canSubmit, type Principal } from '../src/lib/permissions';

const admin: Principal = { id: 'bootstrap', name: 'bootstrap admin', role: 'admin' };
const submitter: Principal = { id: 'key_sub', name: 'ci', role: 'submitter' };
const viewer: Principal = { id: 'key_view', name: 'looker', role: 'viewer' };

describe('role permissions', () => {
  it('offers admins everything', () => {
    expect(canSubmit(admin)).toBe(true);
    expect(canChangeRun(admin, { owner: 'someone-else' })).toBe(true);
    expect(canCancelGroup(admin)).toBe(true);
    expect(canExport(admin)).toBe(true);
    expect(canDrain(admin)).toBe(true);
    expect(canManageKeys(admin)).toBe(true);
  });

  it('lets submitters submit and export, and change only their own runs', () => {
    expect(canSubmit(submitter)).toBe(true);
    expect(canExport(submitter)).toBe(true);
    expect(canChangeRun(submitter, { owner: 'key_sub' })).toBe(true);
    expect(canChangeRun(submitter, { owner: 'bootstrap' })).toBe(false);
    expect(canDrain(submitter)).toBe(false);
    expect(canManageKeys(submitter)).toBe(false);
  });

  it('offers viewers no actions', () => {
    expect(canSubmit(viewer)).toBe(false);
    expect(canChangeRun(viewer, { owner: 'key_view' })).toBe(false);
    expect(canCancelGroup(viewer)).toBe(false);
    expect(canExport(viewer)).toBe(false);
    expect(canDrain(viewer)).toBe(false);
    expect(canManageKeys(viewer)).toBe(false);
  });
});

describe('the session client', () => {
  let store: Map<string, string>;
  let calls: { url: string; authorization: string | null }[];
  /** The API stand-in: `good` is a valid key, anything else answers 401. */
  let validKeys: Set<string>;

  beforeEach(() => {
    vi.resetModules();
    store = new Map();
    calls = [];
    validKeys = new Set(['good']);
    const sessionStorage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    vi.stubGlobal('window', { location: { origin: 'http://dash.test' }, sessionStorage });
    vi.stubGlobal('fetch', async (input: Request | string, init?: RequestInit) => {
      const request = new Request(input, init);
      const authorization = request.headers.get('authorization');
      calls.push({ url: request.url, authorization });
      const key = authorization?.replace(/^Bearer /, '');
      if (!key || !validKeys.has(key)) return Response.json({ error: 'invalid or revoked API key' }, { status: 401, headers: { 'www-authenticate': 'Bearer' } });
      if (request.url.endsWith('/v1/me')) return Response.json({ id: `id-${key}`, name: key, role: 'viewer' });
      return Response.json({ workers: [] });
    });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('stores a key only after GET /v1/me accepts it, and sends it as a bearer token', async () => {
    const api = await import('../src/api');
    expect(api.storedKey()).toBeNull();

    await expect(api.signIn('wrong')).rejects.toMatchObject({ status: 401 });
    expect(api.storedKey()).toBeNull();
    expect(store.size).toBe(0);

    const me = await api.signIn('  good  ');
    expect(me).toEqual({ id: 'id-good', name: 'good', role: 'viewer' });
    expect(store.get(api.KEY_STORAGE)).toBe('good');
    await api.client().listWorkers();
    expect(calls.at(-1)).toEqual({ url: 'http://dash.test/v1/workers', authorization: 'Bearer good' });

    api.signOut();
    expect(store.has(api.KEY_STORAGE)).toBe(false);
    expect(api.storedKey()).toBeNull();
  });

  it('ends the session when a call answers 401 (a revoked key)', async () => {
    const api = await import('../src/api');
    await api.signIn('good');
    const expired = vi.fn();
    const unsubscribe = api.onUnauthorized(expired);
    const session = api.client();

    validKeys.delete('good'); // revoked
    await expect(session.listWorkers()).rejects.toSatisfy(api.isUnauthorized);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(store.has(api.KEY_STORAGE)).toBe(false);

    // A failed sign-in attempt is reported to the sign-in form, not as a session ending.
    await expect(api.signIn('other')).rejects.toSatisfy(api.isUnauthorized);
    expect(expired).toHaveBeenCalledTimes(1);
    unsubscribe();
  });

  it('follows a key already in sessionStorage (a reload)', async () => {
    store.set('anchorage.apiKey', 'good');
    const api = await import('../src/api');
    expect(api.storedKey()).toBe('good');
    expect(await api.client().me()).toMatchObject({ id: 'id-good' });
    expect(calls.at(-1)?.authorization).toBe('Bearer good');
  });
});
