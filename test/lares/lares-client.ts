// Small HTTP helpers the Lares end-to-end tests share: JSON over fetch, and
// raw node:http requests for what fetch cannot do (pick the source address,
// stream a body without a length).
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function postJson(baseUrl: string, path: string, body: unknown): Promise<JsonResponse> {
  return sendText(baseUrl, path, JSON.stringify(body));
}

/** POSTs `text` verbatim as application/json (for malformed bodies). */
export async function sendText(baseUrl: string, path: string, text: string, contentType = 'application/json', method = 'POST'): Promise<JsonResponse> {
  const response = await fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': contentType }, body: text });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export function uniqueName(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function register(baseUrl: string, username = uniqueName(), password = 'password1'): Promise<{ username: string; password: string; accountId: string; session: string }> {
  const response = await postJson(baseUrl, '/v1/accounts/register', { username, password });
  if (response.status !== 201) throw new Error(`register ${username} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { username, password, accountId: response.body.account_id, session: response.body.session };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A JSON POST from a chosen loopback source address, so per-IP limits can be tested from one machine. */
export function postFrom(localAddress: string, baseUrl: string, path: string, body: unknown): Promise<RawResponse> {
  const text = JSON.stringify(body);
  return new Promise((resolveResponse, reject) => {
    const outgoing = request(`${baseUrl}${path}`, { method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (incoming) => {
      readJson(incoming).then(resolveResponse, reject);
    });
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}

/**
 * Streams a chunked body (no content-length) one chunk at a time and resolves
 * with the response and how many bytes had been sent when it arrived.
 */
export function streamUntilAnswered(baseUrl: string, path: string, chunk: Buffer, maxChunks: number): Promise<{ response: RawResponse; bytesSent: number }> {
  return new Promise((resolveResult, reject) => {
    let bytesSent = 0;
    let answered = false;
    const outgoing = request(`${baseUrl}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (incoming) => {
      answered = true;
      const sentAtAnswer = bytesSent;
      readJson(incoming).then((response) => {
        outgoing.destroy();
        resolveResult({ response, bytesSent: sentAtAnswer });
      }, reject);
    });
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    const sendNext = (index: number) => {
      if (answered) return;
      if (index >= maxChunks) {
        outgoing.end();
        return;
      }
      outgoing.write(chunk, () => {
        bytesSent += chunk.length;
        setTimeout(() => sendNext(index + 1), 5);
      });
    };
    sendNext(0);
  });
}

function readJson(incoming: import('node:http').IncomingMessage): Promise<RawResponse> {
  return new Promise((resolveResponse, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('error', reject);
    incoming.on('end', () => {
      try {
        resolveResponse({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch (error) {
        reject(error);
      }
    });
  });
}
