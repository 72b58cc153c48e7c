// The errors Lares's domain raises, each with a stable code that transport
// adapters map to a status (HTTP) without knowing why the error happened.
// Messages are shown to clients: they say what to fix, never why a secret failed.
import { PantheonError } from '../../../common/errors.js';

export const LaresErrorCode = {
  badRequest: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  usernameTaken: 'USERNAME_TAKEN',
  throttled: 'THROTTLED',
} as const;

export function badRequest(message: string): PantheonError {
  return new PantheonError(LaresErrorCode.badRequest, message);
}

export function unauthorized(message: string): PantheonError {
  return new PantheonError(LaresErrorCode.unauthorized, message);
}

export function usernameTaken(): PantheonError {
  return new PantheonError(LaresErrorCode.usernameTaken, 'username is already taken; choose another');
}

/** Carries how long the caller must wait, so HTTP can send Retry-After. */
export class ThrottledError extends PantheonError {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super(LaresErrorCode.throttled, `too many failed logins; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'ThrottledError';
    this.retryAfterMs = retryAfterMs;
  }
}
