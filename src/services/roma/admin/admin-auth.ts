// The shared credential of the RomaGameAdmin API: where it comes from
// (config, or a generated file in embedded dev mode) and the check of each
// call's `authorization: Bearer <token>` metadata. It does not authorize
// individual operators; Senate does that before calling.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { PantheonConfig } from '../../../common/config/index.js';
import { PantheonError } from '../../../common/errors.js';
import { secretsDir } from '../../../common/process.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** config.roma.admin_token, or in dev the token in <secrets>/admin-token (created on first start). */
export function resolveAdminToken(config: PantheonConfig): string {
  if (config.roma.admin_token !== undefined) return config.roma.admin_token;
  if (config.profile !== 'dev') {
    throw new PantheonError('ADMIN_TOKEN_MISSING', `roma.admin_token is required when profile is "${config.profile}": set a secret of at least 16 characters (PANTHEON_ROMA__ADMIN_TOKEN)`);
  }
  const dir = secretsDir(config);
  const path = join(dir, ADMIN_TOKEN_FILE);
  if (config.secrets.auto_generate) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      // 'wx' fails when the file exists, so two processes starting together keep the first one's token.
      writeFileSync(path, randomBytes(24).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new PantheonError('SECRETS_MISSING', `cannot read the admin token ${path}: ${(error as Error).message}; create it or set roma.admin_token`);
  }
  if (token.length < 16) throw new PantheonError('SECRETS_INVALID', `the admin token in ${path} is shorter than 16 characters; replace it (deleting it in dev makes a new one)`);
  return token;
}

/** Null when the metadata carries the token, else the UNAUTHENTICATED error to answer with. */
export function checkAdminCredential(metadata: Metadata, token: string): Partial<ServiceError> | null {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string' || header.length === 0) {
    return { code: status.UNAUTHENTICATED, details: 'RomaGameAdmin needs the metadata "authorization: Bearer <roma.admin_token>"; none was sent' };
  }
  const match = /^Bearer (.+)$/.exec(header);
  const given = Buffer.from(match?.[1] ?? '');
  const expected = Buffer.from(token);
  // Constant-time compare, so the response time does not reveal how much of a guess was right.
  if (!match || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { code: status.UNAUTHENTICATED, details: 'the admin credential is wrong: send "authorization: Bearer <roma.admin_token>"' };
  }
  return null;
}
