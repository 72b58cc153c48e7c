// Errors that cross a module boundary carry a stable code and a message that
// tells the reader what to do; callers branch on `code`, people read `message`.

export class PantheonError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PantheonError';
    this.code = code;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
