import { describe, expect, it } from 'vitest';
import { advertisedHost, advertisedUrl } from '../../src/discovery/etcd-client.js';
import { encodeServiceRecord, parseServiceRecord, serviceKey, type ServiceRecord } from '../../src/discovery/service-record.js';
import { PantheonError } from '../../src/common/errors.js';

const PREFIX = '/pantheon/services';

const roma: ServiceRecord = {
  service: 'roma',
  id: 'roma-1',
  endpoints: { grpc: '10.0.0.5:9200', http: 'http://10.0.0.5:18200' },
  color: 'blue',
  zone: 1,
  weight: 100,
  version: '0.1.0',
  load: 3,
  started_at_ms: 1_700_000_000_000,
};

function parse(key: string, value: unknown) {
  return parseServiceRecord(PREFIX, key, typeof value === 'string' ? value : JSON.stringify(value));
}

describe('service record validation', () => {
  it('accepts a record written by encodeServiceRecord under its own key', () => {
    const key = serviceKey(PREFIX, 'roma', 'roma-1');
    expect(key).toBe('/pantheon/services/roma/roma-1');
    expect(parse(key, encodeServiceRecord(roma))).toEqual({ ok: true, record: roma });
  });

  it('drops unknown fields so newer writers do not break older readers', () => {
    const result = parse('/pantheon/services/roma/roma-1', { ...roma, region: 'eu' });
    expect(result.ok && 'region' in result.record).toBe(false);
  });

  it('refuses a value that is not JSON', () => {
    const result = parse('/pantheon/services/roma/roma-1', '{not json');
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('is not JSON') });
  });

  it('refuses a record with a missing or badly typed field and names the field', () => {
    const { weight: _weight, ...noWeight } = roma;
    expect(parse('/pantheon/services/roma/roma-1', noWeight)).toMatchObject({ ok: false, error: expect.stringContaining('weight') });
    expect(parse('/pantheon/services/roma/roma-1', { ...roma, load: 'high' })).toMatchObject({ ok: false, error: expect.stringContaining('load') });
    expect(parse('/pantheon/services/roma/roma-1', { ...roma, endpoints: { grpc: 'no-port' } })).toMatchObject({ ok: false, error: expect.stringContaining('endpoints.grpc') });
    expect(parse('/pantheon/services/roma/roma-1', { ...roma, service: 'mars' })).toMatchObject({ ok: false, error: expect.stringContaining('service') });
  });

  it('refuses JSON that is not an object', () => {
    for (const value of ['null', '42', '"roma"', '[]']) {
      expect(parse('/pantheon/services/roma/roma-1', value).ok).toBe(false);
    }
  });

  it('refuses a record whose key names another instance or service', () => {
    expect(parse('/pantheon/services/roma/roma-2', roma)).toMatchObject({ ok: false, error: expect.stringContaining('must agree') });
    expect(parse('/pantheon/services/gate/roma-1', roma)).toMatchObject({ ok: false, error: expect.stringContaining('must agree') });
  });

  it('refuses keys that are not <prefix>/<service>/<id>', () => {
    expect(parse('/pantheon/services/roma', roma).ok).toBe(false);
    expect(parse('/pantheon/services/roma/roma-1/extra', roma).ok).toBe(false);
    expect(parse('/elsewhere/roma/roma-1', roma).ok).toBe(false);
  });
});

describe('advertised address', () => {
  const registry = (advertise_host?: string) => ({ kind: 'etcd' as const, advertise_host, roma: [], gate: [], room: [], etcd: { endpoints: ['http://127.0.0.1:2379'], prefix: PREFIX, lease_ttl_s: 10, dial_timeout_ms: 3000 } });

  it('advertises the bind host unless registry.advertise_host is set', () => {
    expect(advertisedHost(registry(), '127.0.0.1')).toBe('127.0.0.1');
    expect(advertisedHost(registry('10.0.0.5'), '0.0.0.0')).toBe('10.0.0.5');
  });

  it('refuses to advertise a bind-all address and tells the operator what to set', () => {
    for (const host of ['0.0.0.0', '::']) {
      let caught: unknown;
      try {
        advertisedHost(registry(), host);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PantheonError);
      expect((caught as PantheonError).code).toBe('REGISTRY_ADVERTISE_HOST');
      expect((caught as PantheonError).message).toContain('registry.advertise_host');
    }
  });

  it('replaces only the host of a bound URL', () => {
    expect(advertisedUrl('ws://0.0.0.0:17100/ws', '10.0.0.5')).toBe('ws://10.0.0.5:17100/ws');
    expect(advertisedUrl('tcp://0.0.0.0:17200', 'gate-1.internal')).toBe('tcp://gate-1.internal:17200');
    expect(advertisedUrl('http://0.0.0.0:18100', '10.0.0.5')).toBe('http://10.0.0.5:18100');
    expect(advertisedUrl('http://0.0.0.0:18100', 'fd00::5')).toBe('http://[fd00::5]:18100');
  });
});
