// What the signed-in key's role may do, so the dashboard offers only actions the API will accept.
// The API enforces all of it anyway (403); this only keeps buttons that would fail off the screen.
//   admin      everything
//   submitter  read; submit runs, families, sweeps and pipelines; cancel/retry its own runs; export stitches
//   viewer     read only
//   worker     no REST at all (cannot sign in to the dashboard)

export type Role = 'admin' | 'submitter' | 'viewer' | 'worker';

export interface Principal {
  /** The key id (`bootstrap` for the API's ANCHORAGE_ADMIN_KEY); runs carry it as `owner`. */
  id: string;
  name: string;
  role: Role;
}

/** Submit runs, sweeps and pipelines. */
export const canSubmit = (me: Principal) => me.role === 'admin' || me.role === 'submitter';

/** Cancel or retry this run: admins any run, submitters the runs they submitted. */
export const canChangeRun = (me: Principal, run: { owner: string }) => me.role === 'admin' || (me.role === 'submitter' && run.owner === me.id);

/**
 * Cancel a sweep or pipeline. Their views carry no owner, so a submitter is offered the button and
 * the API answers 403 (shown) for someone else's.
 */
export const canCancelGroup = (me: Principal) => canSubmit(me);

/** Export a stitch as a model. */
export const canExport = (me: Principal) => canSubmit(me);

/** Drain a worker. */
export const canDrain = (me: Principal) => me.role === 'admin';

/** Create, list and revoke API keys; bull-board. */
export const canManageKeys = (me: Principal) => me.role === 'admin';

/** Roles a key can be created with, and what each may do (the Keys page's select). */
export const ROLE_CHOICES: { role: Role; summary: string }[] = [
  { role: 'viewer', summary: 'read only' },
  { role: 'submitter', summary: 'read, submit, cancel/retry its own runs, export' },
  { role: 'admin', summary: 'everything, keys included' },
  { role: 'worker', summary: 'worker token: gRPC only, no REST' },
];
