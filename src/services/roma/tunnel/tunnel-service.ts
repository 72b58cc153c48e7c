// The gRPC Tunnel service: accepts one stream per gate worker and keeps the
// set of live streams so the process can report and end them.
import type { Logger } from '../../../common/logger.js';
import type { TunnelServer } from '../../../gen/pantheon/roma/v1/tunnel.js';
import { TunnelConnection, type TunnelCall, type TunnelConnectionDeps } from './tunnel-connection.js';

export class TunnelService {
  private readonly connections = new Set<TunnelConnection>();

  constructor(private readonly deps: Omit<TunnelConnectionDeps, 'onClosed'> & { logger: Logger }) {}

  get streamCount(): number {
    return this.connections.size;
  }

  implementation(): TunnelServer {
    return { open: (call: TunnelCall) => this.accept(call) };
  }

  /** Completes every stream (status OK) after sending what is queued; used on stop. */
  endAll(reason: string): void {
    for (const connection of [...this.connections]) connection.end(reason);
  }

  private accept(call: TunnelCall): void {
    const connection = new TunnelConnection(call, { ...this.deps, onClosed: (closed) => this.connections.delete(closed) });
    this.connections.add(connection);
    this.deps.logger.info({ event: 'tunnel_opened', peer: connection.peer, streams: this.connections.size }, 'gate opened a tunnel stream');
  }
}
