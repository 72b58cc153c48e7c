// The SDK's handshake and frame cipher (@noble) against the gate's
// (node:crypto), in-process with fresh random keys, plus the ways a handshake
// or a frame must fail.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClientHello, HandshakeErrorCode, HandshakeReply, type ServerHello } from '../../src/gen/pantheon/client/v1/handshake.js';
import { toBase64 } from '../../src/protocol/bytes.js';
import { FrameOpener as NodeFrameOpener, FrameSealer as NodeFrameSealer } from '../../src/security/frame-cipher.js';
import { deriveTrafficKeys, generateServerKeyShare, signTranscript, transcriptHash, x25519SharedSecret } from '../../src/security/node-handshake.js';
import { HandshakeFailedError } from '../../src/sdk/errors.js';
import { FrameOpener, FrameSealer } from '../../src/sdk/frame-cipher.js';
import { completeHandshake, createClientKeyShare, encodeClientHello, trustGateKeys } from '../../src/sdk/handshake.js';
import { PantheonClient } from '../../src/sdk/client.js';
import { createGateIdentity, memoryConnection } from './helpers/test-gate.js';

const identity = createGateIdentity();
const trusted = trustGateKeys([identity.gateKey]);

/** Runs the gate's half of the handshake on `clientHello`, with optional sabotage. */
function gateReply(clientHello: Uint8Array, overrides: Partial<ServerHello> = {}, signingKey = identity.signingKey) {
  const share = generateServerKeyShare();
  const hello: ServerHello = {
    version: 1,
    serverPub: share.publicRaw,
    signature: new Uint8Array(0),
    keyId: identity.keyId,
    serverTimeMs: BigInt(Date.now()),
    sessionId: randomBytes(16),
    heartbeatIntervalMs: 10_000,
    maxFrameBytes: 65_536,
    resumeTicket: new Uint8Array(0),
    encrypted: true,
    ...overrides,
  };
  const th = transcriptHash(clientHello, hello.serverPub, hello.serverTimeMs, hello.sessionId);
  hello.signature = signTranscript(signingKey, th);
  const shared = x25519SharedSecret(share.privateKey, ClientHello.decode(clientHello).clientPub);
  return { reply: HandshakeReply.encode({ result: { $case: 'hello', value: hello } }).finish(), gateKeys: shared && deriveTrafficKeys(shared, th) };
}

function freshHello() {
  const keyShare = createClientKeyShare();
  return { keyShare, clientHello: encodeClientHello({ token: 'tok', keyShare }) };
}

function expectHandshakeFailure(run: () => unknown, code: HandshakeFailedError['code']): HandshakeFailedError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeFailedError);
    expect((error as HandshakeFailedError).code).toBe(code);
    return error as HandshakeFailedError;
  }
  throw new Error(`expected HandshakeFailedError ${code}`);
}

describe('handshake interop with the gate side', () => {
  it('derives the same traffic keys as the gate and each side opens the other\'s frames, counters advancing', () => {
    const { keyShare, clientHello } = freshHello();
    const { reply, gateKeys } = gateReply(clientHello);
    const client = completeHandshake(clientHello, keyShare, reply, trusted);
    expect(client.keys).toEqual(gateKeys);

    const clientSealer = new FrameSealer(client.keys!.c2sKey, client.keys!.c2sIv);
    const clientOpener = new FrameOpener(client.keys!.s2cKey, client.keys!.s2cIv);
    const gateSealer = new NodeFrameSealer(gateKeys!.s2cKey, gateKeys!.s2cIv);
    const gateOpener = new NodeFrameOpener(gateKeys!.c2sKey, gateKeys!.c2sIv);
    const sizes = [0, 1, 15, 16, 17, 1000, 70_000];
    for (const size of sizes) {
      const up = randomBytes(size);
      expect(Buffer.from(gateOpener.open(clientSealer.seal(up))!)).toEqual(up);
      const down = randomBytes(size);
      expect(Buffer.from(clientOpener.open(gateSealer.seal(down))!)).toEqual(down);
    }
  });

  it('refuses a ServerHello signed by a key other than the trusted one', () => {
    const { keyShare, clientHello } = freshHello();
    const { reply } = gateReply(clientHello, {}, createGateIdentity().signingKey);
    expectHandshakeFailure(() => completeHandshake(clientHello, keyShare, reply, trusted), 'BAD_SIGNATURE');
  });

  it('refuses a ServerHello whose signature covers a different transcript', () => {
    const { keyShare, clientHello } = freshHello();
    const other = freshHello().clientHello; // the gate signed someone else's ClientHello
    const { reply } = gateReply(other);
    expectHandshakeFailure(() => completeHandshake(clientHello, keyShare, reply, trusted), 'BAD_SIGNATURE');
  });

  it('refuses a ServerHello naming an unknown key id', () => {
    const { keyShare, clientHello } = freshHello();
    const { reply } = gateReply(clientHello, { keyId: 'gk-unknown' });
    const error = expectHandshakeFailure(() => completeHandshake(clientHello, keyShare, reply, trusted), 'UNKNOWN_KEY_ID');
    expect(error.message).toContain('gk-unknown');
  });

  it('refuses a low-order server key (all-zero shared secret) even when signed', () => {
    const { keyShare, clientHello } = freshHello();
    const { reply } = gateReply(clientHello, { serverPub: new Uint8Array(32) });
    expectHandshakeFailure(() => completeHandshake(clientHello, keyShare, reply, trusted), 'ZERO_SHARED_SECRET');
  });

  it('surfaces the gate\'s HandshakeError code', () => {
    const { keyShare, clientHello } = freshHello();
    const reply = HandshakeReply.encode({ result: { $case: 'error', value: { code: HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_EXPIRED, message: 'token expired' } } }).finish();
    const error = expectHandshakeFailure(() => completeHandshake(clientHello, keyShare, reply, trusted), 'SERVER_REJECTED');
    expect(error.serverCode).toBe(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_EXPIRED);
  });

  it('refuses a reply that is not a HandshakeReply, and an unknown protocol version', () => {
    const { keyShare, clientHello } = freshHello();
    expectHandshakeFailure(() => completeHandshake(clientHello, keyShare, new Uint8Array([0xff, 0xff, 0xff]), trusted), 'MALFORMED_REPLY');
    expectHandshakeFailure(() => completeHandshake(clientHello, keyShare, gateReply(clientHello, { version: 2 }).reply, trusted), 'UNSUPPORTED_VERSION');
  });

  it('rejects malformed gate keys before connecting', () => {
    expect(() => trustGateKeys([{ key_id: 'gk', ed25519_pub: toBase64(new Uint8Array(31)) }])).toThrow(TypeError);
    expect(() => trustGateKeys([{ key_id: '', ed25519_pub: toBase64(new Uint8Array(32)) }])).toThrow(TypeError);
  });
});

describe('frame cipher failures', () => {
  const key = new Uint8Array(randomBytes(32));
  const iv = new Uint8Array(randomBytes(4));

  it.each([
    ['noble sealer → node opener', () => new FrameSealer(key, iv), () => new NodeFrameOpener(key, iv)],
    ['node sealer → noble opener', () => new NodeFrameSealer(key, iv), () => new FrameOpener(key, iv)],
  ])('a flipped bit fails to open (%s), and the counter stays put', (_name, makeSealer, makeOpener) => {
    const sealer = makeSealer();
    const opener = makeOpener();
    const frame = new Uint8Array(sealer.seal(new TextEncoder().encode('attack at dawn')));
    for (const bit of [0, 8 * 5 + 3, frame.length * 8 - 1]) {
      const tampered = frame.slice();
      tampered[bit >> 3] ^= 1 << (bit & 7);
      expect(opener.open(tampered)).toBeNull();
    }
    expect(opener.open(frame)).not.toBeNull();
  });

  it.each([
    ['noble sealer → node opener', () => new FrameSealer(key, iv), () => new NodeFrameOpener(key, iv)],
    ['node sealer → noble opener', () => new NodeFrameSealer(key, iv), () => new FrameOpener(key, iv)],
  ])('a replayed or reordered frame fails to open (%s)', (_name, makeSealer, makeOpener) => {
    const sealer = makeSealer();
    const opener = makeOpener();
    const first = sealer.seal(new Uint8Array([1]));
    const second = sealer.seal(new Uint8Array([2]));
    expect(opener.open(second)).toBeNull(); // reordered: counter 1 presented at 0
    expect(opener.open(first)).not.toBeNull();
    expect(opener.open(first)).toBeNull(); // replayed: counter 0 presented at 1
    expect(opener.open(second)).not.toBeNull();
  });

  it('a body shorter than the tag fails to open', () => {
    expect(new FrameOpener(key, iv).open(new Uint8Array(15))).toBeNull();
  });
});

describe('PantheonClient handshake failures', () => {
  async function connectFailure(options: Parameters<typeof memoryConnection>[0], clientOptions: { handshakeTimeoutMs?: number } = {}) {
    const { transport } = memoryConnection(options);
    const error = await PantheonClient.connect(transport, { token: 'tok', gateKeys: [identity.gateKey], ...clientOptions }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeFailedError);
    return error as HandshakeFailedError;
  }

  it('rejects with BAD_SIGNATURE when the gate signs with an untrusted key', async () => {
    expect((await connectFailure({ identity, signWith: createGateIdentity().signingKey })).code).toBe('BAD_SIGNATURE');
  });

  it('rejects with UNKNOWN_KEY_ID when the gate names a key the client was not given', async () => {
    expect((await connectFailure({ identity, announceKeyId: 'gk-rotated' })).code).toBe('UNKNOWN_KEY_ID');
  });

  it('rejects with the gate\'s code when it refuses the token', async () => {
    const error = await connectFailure({ identity, handshakeError: { code: HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_REPLAYED, message: 'token already used' } });
    expect(error.code).toBe('SERVER_REJECTED');
    expect(error.serverCode).toBe(HandshakeErrorCode.HANDSHAKE_ERROR_TOKEN_REPLAYED);
    expect(error.message).toContain('token already used');
  });

  it('rejects with TIMEOUT when the gate never answers', async () => {
    expect((await connectFailure({ identity, silent: true }, { handshakeTimeoutMs: 50 })).code).toBe('TIMEOUT');
  });

  it('rejects with CONNECTION_CLOSED when the connection drops before the reply', async () => {
    const { transport, gate } = memoryConnection({ identity, silent: true });
    const connecting = PantheonClient.connect(transport, { token: 'tok', gateKeys: [identity.gateKey] });
    setTimeout(() => gate.close(), 10);
    await expect(connecting).rejects.toMatchObject({ name: 'HandshakeFailedError', code: 'CONNECTION_CLOSED' });
  });

  it('refuses an unencrypted gate unless allowPlaintext is set', async () => {
    expect((await connectFailure({ identity, encrypted: false })).code).toBe('PLAINTEXT_REFUSED');
  });

  it('sends the token and a fresh 32-byte key and 16-byte nonce per connection', async () => {
    const first = memoryConnection({ identity });
    const second = memoryConnection({ identity });
    const clients = await Promise.all([first, second].map(({ transport }) => PantheonClient.connect(transport, { token: 'tok-1', gateKeys: [identity.gateKey] })));
    const [a, b] = [first.gate.clientHello!, second.gate.clientHello!];
    expect(a.token).toBe('tok-1');
    expect(a.version).toBe(1);
    expect(a.clientPub).toHaveLength(32);
    expect(a.clientNonce).toHaveLength(16);
    expect(Buffer.from(a.clientPub).equals(Buffer.from(b.clientPub))).toBe(false);
    expect(Buffer.from(a.clientNonce).equals(Buffer.from(b.clientNonce))).toBe(false);
    for (const client of clients) client.close();
  });
});
