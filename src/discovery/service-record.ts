// What a process publishes about itself under <prefix>/<service>/<id>, and
// the validation of values read back from etcd. Anyone can write under the
// prefix, so a value is untrusted input: parse it here, never crash on it.
import { z } from 'zod';

// 'roma' is a player-role Roma, 'room' a room-role Roma (roma.role).
export const SERVICES = ['gate', 'lares', 'roma', 'room', 'senate'] as const;
export type ServiceName = (typeof SERVICES)[number];

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'expected "host:port"');
const url = z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/, 'expected a URL');
const instanceId = z.string().regex(/^[^\s/]{1,128}$/, 'expected 1-128 characters without "/" or spaces');

// Unknown fields are dropped rather than refused, so an older process can read
// what a newer one writes during a rolling upgrade.
const recordSchema = z.object({
  service: z.enum(SERVICES),
  id: instanceId,
  endpoints: z.object({
    grpc: hostPort,
    http: url.optional(),
    ws: url.optional(),
    tcp: url.optional(),
    admin: url.optional(),
  }),
  color: z.string().max(64),
  zone: z.number().int().min(0),
  weight: z.number().int().min(1).max(10_000),
  version: z.string().max(64),
  load: z.number().finite().min(0),
  started_at_ms: z.number().int().min(0),
});

export type ServiceRecord = z.infer<typeof recordSchema>;

export type RecordParse = { ok: true; record: ServiceRecord } | { ok: false; error: string };

export function serviceKey(prefix: string, service: ServiceName, id: string): string {
  return `${servicePrefix(prefix, service)}${id}`;
}

/** Ends with "/" so that "roma" does not also match a service named "roma2". */
export function servicePrefix(prefix: string, service: ServiceName): string {
  return `${prefix}/${service}/`;
}

export function encodeServiceRecord(record: ServiceRecord): string {
  return JSON.stringify(record);
}

/**
 * Parses the value stored at `key` under `prefix`. The key must be
 * <prefix>/<service>/<id> and agree with the value's service and id, so a
 * record copied to the wrong key cannot impersonate another instance.
 */
export function parseServiceRecord(prefix: string, key: string, value: string): RecordParse {
  if (!key.startsWith(`${prefix}/`)) return { ok: false, error: `key ${key} is not under ${prefix}/` };
  const [service, id, ...rest] = key.slice(prefix.length + 1).split('/');
  if (!service || !id || rest.length > 0) return { ok: false, error: `key ${key} is not <prefix>/<service>/<instance-id>` };

  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    return { ok: false, error: `value at ${key} is not JSON: ${(error as Error).message}` };
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`).join('; ');
    return { ok: false, error: `value at ${key} is not a service record: ${issues}` };
  }
  const record = parsed.data;
  if (record.service !== service || record.id !== id) {
    return { ok: false, error: `value at ${key} names ${record.service}/${record.id}; the key and the value must agree` };
  }
  return { ok: true, record };
}
