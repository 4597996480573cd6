// Domain errors: services throw these; the HTTP filter and the gRPC controller map them to statuses.
import type { ValidationIssue } from '@anchorage/contracts';

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

/** A report carried a fencing token that is not the run's current attempt. */
export class StaleTokenError extends Error {
  constructor(message = 'stale or unknown fencing token') {
    super(message);
    this.name = 'StaleTokenError';
  }
}
