import { describe, expect, it } from 'vitest';
import { ThrottledError } from '../../src/services/lares/biz/errors.js';
import { FailureCounter, LoginThrottle } from '../../src/services/lares/biz/throttle.js';

describe('FailureCounter', () => {
  it('allows attempts until max_failures failures are recorded in the window', () => {
    const counter = new FailureCounter({ max_failures: 3, window_ms: 10_000 });
    counter.recordFailure('k', 0);
    counter.recordFailure('k', 1);
    expect(counter.retryAfterMs('k', 2)).toBe(0);
    counter.recordFailure('k', 2);
    expect(counter.retryAfterMs('k', 3)).toBe(9_997);
  });

  it('forgets failures once the window has passed', () => {
    const counter = new FailureCounter({ max_failures: 1, window_ms: 1_000 });
    counter.recordFailure('k', 0);
    expect(counter.retryAfterMs('k', 999)).toBe(1);
    expect(counter.retryAfterMs('k', 1_000)).toBe(0);
  });

  it('keeps keys apart', () => {
    const counter = new FailureCounter({ max_failures: 1, window_ms: 1_000 });
    counter.recordFailure('a', 0);
    expect(counter.retryAfterMs('b', 0)).toBe(0);
  });

  it('drops expired windows so a spray of distinct keys does not grow memory forever', () => {
    const counter = new FailureCounter({ max_failures: 1, window_ms: 1_000 });
    for (let i = 0; i < 100; i++) counter.recordFailure(`k${i}`, 0);
    counter.recordFailure('late', 5_000);
    expect(counter.size).toBe(1);
  });
});

describe('LoginThrottle', () => {
  const rules = { per_username: { max_failures: 2, window_ms: 60_000 }, per_ip: { max_failures: 4, window_ms: 60_000 } };

  it('refuses a username after its failures reach the limit, with the wait in the error', () => {
    const throttle = new LoginThrottle(rules);
    throttle.admit('alice', '10.0.0.1', 0);
    throttle.admit('alice', '10.0.0.2', 0);
    const error = (() => {
      try {
        throttle.admit('alice', '10.0.0.3', 1_000);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(59_000);
  });

  it('refuses an address after its failures across usernames reach the limit', () => {
    const throttle = new LoginThrottle(rules);
    for (const name of ['a', 'b', 'c', 'd']) throttle.admit(name, '10.0.0.1', 0);
    expect(() => throttle.admit('e', '10.0.0.1', 0)).toThrow(ThrottledError);
    expect(() => throttle.admit('e', '10.0.0.2', 0)).not.toThrow();
  });

  it('a success resets the username counter but only takes back its own attempt from the IP counter', () => {
    const throttle = new LoginThrottle(rules);
    throttle.admit('alice', 'ip', 0); // failed
    throttle.admit('alice', 'ip', 0); // succeeded
    throttle.succeeded('alice', 'ip', 0);
    throttle.admit('alice', 'ip', 0); // failed: username counter restarted, so not throttled
    throttle.admit('bob', 'ip', 0); // failed: the IP now holds 3 failures
    throttle.admit('carol', 'ip', 0); // failed: 4
    expect(() => throttle.admit('dave', 'ip', 0)).toThrow(ThrottledError);
  });
});
