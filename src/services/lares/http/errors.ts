// Maps coded errors to HTTP responses: the body is always
// {"error":{"code","message"}} and the status comes from the code alone.
// Unexpected errors become a 500 whose details go to the log, not the client.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PantheonError } from '../../../common/errors.js';
import { sendJson } from '../../../common/health-http.js';
import type { Logger } from '../../../common/logger.js';
import { LaresErrorCode, ThrottledError } from '../biz/errors.js';

/** A refusal that only exists at the HTTP layer (routing, body limits), with any headers it needs. */
export class HttpError extends PantheonError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
    this.name = 'HttpError';
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  [LaresErrorCode.badRequest]: 400,
  [LaresErrorCode.unauthorized]: 401,
  [LaresErrorCode.usernameTaken]: 409,
  [LaresErrorCode.throttled]: 429,
};

export function sendError(request: IncomingMessage, response: ServerResponse, error: unknown, logger: Logger): void {
  const { status, code, message, headers } = describe(error);
  if (status >= 500) logger.error({ event: 'http_internal_error', err: error, method: request.method, path: request.url }, 'request failed');
  // A body we stopped reading (too large, or never read) would otherwise be drained for the next keep-alive request.
  if (!request.complete) headers.connection = 'close';
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, status, { error: { code, message } }, headers);
}

function describe(error: unknown): { status: number; code: string; message: string; headers: Record<string, string> } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, headers: { ...error.headers } };
  if (error instanceof ThrottledError) {
    return { status: 429, code: error.code, message: error.message, headers: { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) } };
  }
  if (error instanceof PantheonError && STATUS_BY_CODE[error.code] !== undefined) {
    return { status: STATUS_BY_CODE[error.code], code: error.code, message: error.message, headers: {} };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error; the server log has the details', headers: {} };
}
