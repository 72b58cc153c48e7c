// `npm run demo`: a player's whole path against a running cluster. Registers
// an account at Lares (or logs in), takes a single-use token, connects to the
// gate over WebSocket and TCP, handshakes, and prints heartbeats and Echo
// round trips through Roma. Options: --lares URL (default http://127.0.0.1:8001),
// --rounds N (default 3).
import { randomBytes } from 'node:crypto';
import { connectTcp, connectWebSocket, EchoSeq, LaresClient, Module, type PantheonClient, type TokenGrant } from '../sdk/node.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

async function play(client: PantheonClient, label: string, rounds: number): Promise<void> {
  const hello = client.serverHello;
  process.stdout.write(`${label}: handshake ok, session ${Buffer.from(hello.sessionId).toString('hex')}, signed by ${hello.keyId}, encrypted=${hello.encrypted}\n`);
  const beat = await client.heartbeat();
  process.stdout.write(`${label}: heartbeat answered by the gate in ${beat.roundTripMs} ms\n`);
  for (let round = 1; round <= rounds; round++) {
    const message = `hello #${round} over ${label}`;
    const started = performance.now();
    const reply = await client.request(Module.MODULE_ECHO, EchoSeq.ECHO_SEQ_ECHO, new TextEncoder().encode(message));
    const echoed = new TextDecoder().decode(reply.data);
    if (echoed !== message) throw new Error(`Echo returned "${echoed}", expected "${message}"`);
    process.stdout.write(`${label}: Echo through Roma "${echoed}" in ${(performance.now() - started).toFixed(2)} ms\n`);
  }
  client.close();
}

async function main(): Promise<void> {
  const laresUrl = option('lares', 'http://127.0.0.1:8001');
  const rounds = Number(option('rounds', '3'));
  const lares = new LaresClient(laresUrl);
  const username = `demo_${randomBytes(4).toString('hex')}`;
  const account = await lares.register(username, `pw-${randomBytes(8).toString('hex')}`);
  process.stdout.write(`registered ${username} at ${laresUrl}: account ${account.account_id}\n`);

  const grantWs: TokenGrant = await lares.issueToken(account.session);
  await play(await connectWebSocket(grantWs.gates.ws[0], { token: grantWs.token, gateKeys: grantWs.gate_keys }), 'WebSocket', rounds);

  const grantTcp: TokenGrant = await lares.issueToken(account.session);
  await play(await connectTcp(grantTcp.gates.tcp[0], { token: grantTcp.token, gateKeys: grantTcp.gate_keys }), 'TCP', rounds);
  process.stdout.write('demo finished: every round trip succeeded\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});
