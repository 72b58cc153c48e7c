// Raw TCP connections to a gate and what its admin endpoint says about them:
// for tests of connection limits, where no handshake should happen.
import { connect as netConnect, type Socket } from 'node:net';
import type { TestCluster } from './cluster.js';

export async function tcpFrom(localAddress: string, port: number): Promise<Socket> {
  const socket = netConnect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** Connections the gate has accepted (workers report once a second). */
export async function acceptedConnections(cluster: TestCluster): Promise<number> {
  const stats = await (await fetch(`http://127.0.0.1:${cluster.ports.gateAdmin}/stats/connections`)).json();
  return stats.total as number;
}

export async function closesSoon(socket: Socket): Promise<boolean> {
  if (socket.destroyed) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 1_500);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
