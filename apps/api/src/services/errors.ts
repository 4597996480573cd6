// Domain errors: services throw these; the HTTP filter and the gRPC controller map them to statuses.
import type { Role, ValidationIssue } from '@anchorage/contracts';

export class InvalidRequestError extends Error {
  constructor(
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

export class NotFoundError extends Error {
  constructor(what: string, id: string) {
    super(`${what} not found: ${id}`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The caller's role does not allow this on that object (a submitter and another user's run). */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** A worker reported for an attempt another worker runs. */
export class NotOwnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotOwnerError';
  }
}

/** A report carried a fencing token that is not the run's current attempt. */
export class StaleTokenError extends Error {
  constructor(message = 'stale or unknown fencing token') {
    super(message);
    this.name = 'StaleTokenError';
  }
}

/** Submitters change only what they own; admins change anything. */
export function assertMayChange(by: { id: string; role: Role } | undefined, owner: string, what: string): void {
  if (!by || by.role === 'admin') return;
  if (by.role !== 'submitter' || owner !== by.id) throw new ForbiddenError(`${what} belongs to another user; a ${by.role} key may only change its own`);
}
