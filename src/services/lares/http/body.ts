// Reads a request body as one JSON object, refusing anything over the byte
// limit while it streams in (never buffering more than the limit) and
// anything that is not UTF-8 JSON text holding an object.
import type { IncomingMessage } from 'node:http';
import { LaresErrorCode } from '../biz/errors.js';
import type { JsonObject } from '../biz/validation.js';
import { HttpError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readJsonObject(request: IncomingMessage, maxBytes: number): Promise<JsonObject> {
  requireJsonContentType(request.headers['content-type']);
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes) throw bodyTooLarge(maxBytes);
  return parseJsonObject(await readBounded(request, maxBytes));
}

// Requiring application/json also means a browser cannot post here from a plain cross-site form.
function requireJsonContentType(contentType: string | undefined): void {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw badBody(`content-type must be application/json, got ${contentType ? JSON.stringify(contentType) : 'none'}`);
  }
}

function readBounded(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) reject(error);
      else resolveBody(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.pause();
        finish(bodyTooLarge(maxBytes));
      } else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error('client closed the connection before sending the whole body'));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function parseJsonObject(bytes: Buffer): JsonObject {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    // The decoder's message adds nothing for the client beyond "not UTF-8".
    throw badBody('body must be UTF-8 encoded JSON');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badBody(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badBody('body must be a JSON object');
  return value as JsonObject;
}

function badBody(message: string): HttpError {
  return new HttpError(400, LaresErrorCode.badRequest, message);
}

function bodyTooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'BODY_TOO_LARGE', `body must be at most ${maxBytes} bytes`);
}
