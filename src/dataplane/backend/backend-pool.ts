// Everything between a worker's sessions and the game services: which
// service a module belongs to, asking the control plane for a route (by
// session, or by object key for gate.keyed_modules), one
// tunnel per instance, request deadlines, and failing requests fast with a
// clear code when an instance is unreachable.
import { Envelope, EnvelopeKind } from '../../gen/pantheon/roma/v1/tunnel.js';
import { PacketCode, type Packet } from '../../gen/pantheon/client/v1/packet.js';
import type { RouteResult, ServiceInstance } from '../../gen/pantheon/gate/v1/ring.js';
import type { Logger } from '../../common/logger.js';
import type { GateSession, InflightRequest, SessionRoute } from '../session.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { traceForwarded } from '../request-tracing.js';
import { RomaTunnel } from './roma-tunnel.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { InflightGauge } from './inflight-gauge.js';
import { KeyRoutes } from './key-routes.js';

/** Player-role Roma: every module gate.module_services does not name, and the only service that may bind a session to a player. */
export const ROMA_SERVICE = 'roma';
const COOLDOWN_MIN_MS = 500;
const COOLDOWN_MAX_MS = 10_000;

export interface BackendSettings {
  backendTimeoutMs: number;
  routeTimeoutMs: number;
  maxPendingPerSession: number;
  backendInflightHighWater: number;
  circuitFailures: number;
  circuitEjectMs: number;
  /** gate.keyed_modules: modules whose requests with Packet.obj != 0 go to the instance holding that object. */
  keyedModules: number[];
}

export interface BackendDeps {
  gateId: string;
  logger: Logger;
  settings: () => BackendSettings;
  /** Asks the control plane for the session's instance of `service`, or (key != 0) for the instance holding object `key`. */
  requestRoute(session: GateSession, service: string, key: bigint): void;
  /** A keyed module's response named object `key` on `instanceId`: the control plane records it for every gate. */
  reportKey(service: string, key: bigint, instanceId: string): void;
  sessionByKey(key: string): GateSession | undefined;
  /** Delivers a RESPONSE or PUSH from a backend to its session. */
  deliver(session: GateSession, envelope: Envelope): void;
  /** Where backend calls, failures and latency are counted. */
  metrics: WorkerMetrics;
  /** The circuit breaker ejected an instance: the control plane stops routing to it. */
  reportEjection(instanceId: string, untilMs: number, reason: string): void;
}

interface Cooldown {
  until: number;
  lastMs: number;
}

export class BackendPool {
  private instances = new Map<string, ServiceInstance>();
  private readonly tunnels = new Map<string, RomaTunnel>();
  private readonly tunnelSessions = new Map<string, Set<GateSession>>();
  private readonly cooldowns = new Map<string, Cooldown>();
  /** When each session started waiting for a route, per service. */
  private readonly routeWaitSince = new Map<GateSession, number>();
  private readonly inflight: InflightGauge;
  private readonly circuit: CircuitBreaker;
  private readonly keyRoutes = new KeyRoutes();

  constructor(private readonly deps: BackendDeps) {
    this.inflight = new InflightGauge(() => deps.settings().backendInflightHighWater);
    this.circuit = new CircuitBreaker(() => {
      const settings = deps.settings();
      return { consecutiveFailures: settings.circuitFailures, ejectMs: settings.circuitEjectMs };
    });
  }

  updateRegistry(instances: ServiceInstance[]): void {
    this.instances = new Map(instances.map((instance) => [instance.id, instance]));
    for (const [id, tunnel] of this.tunnels) {
      const current = this.instances.get(id);
      if (!current || current.grpcAddress !== tunnel.instance.grpcAddress) this.breakTunnel(tunnel, 'instance left the registry');
    }
  }

  /**
   * Routes one client packet of a backend module: a keyed module's packet
   * naming an object (obj != 0) goes to the instance holding it when one is
   * known; everything else by the session's route.
   */
  forward(session: GateSession, packet: Packet, service: string): void {
    if (packet.obj !== 0n && this.deps.settings().keyedModules.includes(packet.mod)) {
      this.forwardByKey(session, packet, service);
      return;
    }
    this.forwardBySession(session, packet, service);
  }

  /** The control plane answered a RouteRequest with a key: send the waiting packets there, or by session when no instance holds it. */
  applyKeyRoute(result: RouteResult): void {
    const id = `${result.service}:${result.key}`;
    const now = Date.now();
    const usable = result.instanceId !== '' && this.usable(result.instanceId, now);
    if (usable) this.keyRoutes.remember(id, result.instanceId, now);
    for (const session of this.keyRoutes.answered(id)) {
      if (session.state === 'closed') continue; // left while the control plane answered
      const packets = session.awaitingRoute.get(id);
      session.awaitingRoute.delete(id);
      for (const packet of packets ?? []) {
        if (usable) this.sendOnRoute(session, packet, this.keyedRouteOf(session, result.service, result.instanceId));
        else this.forwardBySession(session, packet, result.service);
      }
    }
  }

  private forwardByKey(session: GateSession, packet: Packet, service: string): void {
    const id = `${service}:${packet.obj}`;
    const now = Date.now();
    const holder = this.keyRoutes.holder(id, now, (instanceId) => this.usable(instanceId, now));
    if (holder) {
      this.sendOnRoute(session, packet, this.keyedRouteOf(session, service, holder));
      return;
    }
    // Unknown, stale, dead or ejected: ask (the control plane drops a key whose instance is gone).
    const waiting = session.awaitingRoute.get(id);
    if (waiting && waiting.length >= this.deps.settings().maxPendingPerSession) {
      this.deps.metrics.rateLimited('max_pending_per_session');
      session.respond(packet, PacketCode.PACKET_CODE_RATE_LIMITED);
      return;
    }
    if (waiting) waiting.push(packet);
    else session.awaitingRoute.set(id, [packet]);
    if (!this.routeWaitSince.has(session)) this.routeWaitSince.set(session, now);
    if (this.keyRoutes.await(id, session, now, this.deps.settings().routeTimeoutMs)) this.deps.requestRoute(session, service, packet.obj);
  }

  /** In the registry and not ejected by the circuit breaker. */
  private usable(instanceId: string, now: number): boolean {
    return this.instances.has(instanceId) && !this.circuit.isEjected(instanceId, now);
  }

  /** The session's route to the instance holding a keyed object: its own route when that is the same instance. */
  private keyedRouteOf(session: GateSession, service: string, instanceId: string): SessionRoute {
    const own = session.routes.get(service);
    if (own?.instanceId === instanceId) return own;
    let route = session.keyedRoutes.get(instanceId);
    if (!route) session.keyedRoutes.set(instanceId, (route = { instanceId, opened: false }));
    return route;
  }

  /** Remembers where a keyed module's response says its object lives, here and (through the control plane) for every gate. */
  private learnKey(instanceId: string, key: bigint): void {
    const service = this.instances.get(instanceId)?.service;
    if (!service) return;
    this.keyRoutes.remember(`${service}:${key}`, instanceId, Date.now());
    this.deps.reportKey(service, key, instanceId);
  }

  private forwardBySession(session: GateSession, packet: Packet, service: string): void {
    let route = session.routes.get(service);
    if (route && this.circuit.isEjected(route.instanceId, Date.now())) {
      // Re-place the session: the control plane no longer routes to an ejected instance.
      this.closeRouteTo(session, route.instanceId);
      session.routes.delete(service);
      route = undefined;
    }
    if (!route) {
      this.awaitRoute(session, packet, service);
      return;
    }
    this.sendOnRoute(session, packet, route);
  }

  /** Opens the session on the route's instance if needed, then sends the request. */
  private sendOnRoute(session: GateSession, packet: Packet, route: SessionRoute): void {
    const tunnel = this.tunnelFor(route.instanceId);
    if (!tunnel) {
      this.deps.metrics.backendFailure(route.instanceId);
      this.deps.metrics.error('service_unavailable');
      session.respond(packet, PacketCode.PACKET_CODE_SERVICE_UNAVAILABLE);
      return;
    }
    if (!route.opened) {
      tunnel.send(this.envelope(EnvelopeKind.ENVELOPE_KIND_SESSION_OPEN, session));
      route.opened = true;
      this.sessionsOf(route.instanceId).add(session);
    }
    const envelope = this.envelope(EnvelopeKind.ENVELOPE_KIND_REQUEST, session);
    envelope.mod = packet.mod;
    envelope.seq = packet.seq;
    envelope.obj = packet.obj;
    envelope.index = packet.index;
    envelope.data = packet.data;
    envelope.dataVersion = packet.dataVersion;
    if (session.traces !== null) traceForwarded(session.traces, packet.index, route.instanceId, envelope);
    if (!tunnel.send(envelope)) {
      this.deps.metrics.backendFailure(route.instanceId);
      this.deps.metrics.error('service_unavailable');
      session.respond(packet, PacketCode.PACKET_CODE_SERVICE_UNAVAILABLE);
      return;
    }
    this.deps.metrics.backendCall(route.instanceId);
    session.inflight.set(packet.index, {
      deadline: Date.now() + this.deps.settings().backendTimeoutMs,
      mod: packet.mod,
      seq: packet.seq,
      instanceId: route.instanceId,
      startedAt: performance.now(),
    });
    this.inflight.count(route.instanceId, 1, session);
  }

  /** The control plane answered a RouteRequest. */
  applyRoute(session: GateSession, result: RouteResult): void {
    const waiting = session.awaitingRoute.get(result.service);
    session.awaitingRoute.delete(result.service);
    this.routeWaitSince.delete(session);
    if (!result.instanceId) {
      this.deps.logger.warn({ event: 'route_unavailable', service: result.service, error: result.error }, 'no instance for session');
      for (const packet of waiting ?? []) {
        this.deps.metrics.error('service_unavailable');
        session.respond(packet, PacketCode.PACKET_CODE_SERVICE_UNAVAILABLE);
      }
      return;
    }
    session.routes.set(result.service, { instanceId: result.instanceId, opened: false });
    for (const packet of waiting ?? []) this.forwardBySession(session, packet, result.service);
  }

  /** Called from the bucket sweep: expire requests and route waits that took too long. */
  sweep(session: GateSession, now: number): void {
    for (const [index, request] of session.inflight) {
      if (request.deadline > now) continue;
      this.deps.metrics.error('backend_timeout');
      this.failRequest(session, index, request);
      this.recordFailure(request.instanceId, now, `no answer within ${this.deps.settings().backendTimeoutMs} ms`);
    }
    const since = this.routeWaitSince.get(session);
    if (since !== undefined && now - since > this.deps.settings().routeTimeoutMs) {
      this.routeWaitSince.delete(session);
      for (const [service, packets] of session.awaitingRoute) {
        for (const packet of packets) {
          this.deps.metrics.error('service_unavailable');
          session.respond(packet, PacketCode.PACKET_CODE_SERVICE_UNAVAILABLE);
        }
        session.awaitingRoute.delete(service);
      }
    }
  }

  sessionClosed(session: GateSession): void {
    this.routeWaitSince.delete(session);
    for (const [index, request] of session.inflight) this.releaseInflight(session, index, request);
    for (const route of session.routes.values()) this.closeRouteTo(session, route.instanceId);
    for (const route of session.keyedRoutes.values()) this.closeRouteTo(session, route.instanceId);
  }

  /** Requests of `session` still waiting for a backend (drain waits for zero). */
  pendingCount(session: GateSession): number {
    let waiting = session.inflight.size;
    for (const packets of session.awaitingRoute.values()) waiting += packets.length;
    return waiting;
  }

  close(): void {
    for (const tunnel of this.tunnels.values()) tunnel.close();
    this.tunnels.clear();
  }

  get tunnelCount(): number {
    return this.tunnels.size;
  }

  private awaitRoute(session: GateSession, packet: Packet, service: string): void {
    const waiting = session.awaitingRoute.get(service);
    if (waiting) {
      if (waiting.length >= this.deps.settings().maxPendingPerSession) {
        this.deps.metrics.rateLimited('max_pending_per_session');
        session.respond(packet, PacketCode.PACKET_CODE_RATE_LIMITED);
        return;
      }
      waiting.push(packet);
      return;
    }
    session.awaitingRoute.set(service, [packet]);
    if (!this.routeWaitSince.has(session)) this.routeWaitSince.set(session, Date.now());
    this.deps.requestRoute(session, service, 0n);
  }

  private tunnelFor(instanceId: string): RomaTunnel | null {
    const existing = this.tunnels.get(instanceId);
    if (existing) return existing;
    const instance = this.instances.get(instanceId);
    if (!instance) return null;
    const cooldown = this.cooldowns.get(instanceId);
    if (cooldown && cooldown.until > Date.now()) return null;
    const tunnel = new RomaTunnel(instance, this.deps.logger, {
      onEnvelope: (envelope) => this.onEnvelope(instanceId, envelope),
      onBroken: (broken, reason) => this.onTunnelBroken(broken, reason),
    });
    this.tunnels.set(instanceId, tunnel);
    return tunnel;
  }

  private onEnvelope(instanceId: string, envelope: Envelope): void {
    this.cooldowns.delete(instanceId); // it answers: the next break starts from the shortest cooldown
    const session = this.deps.sessionByKey(Buffer.from(envelope.sessionId).toString('latin1'));
    if (!session) return; // the client left while Roma was answering
    if (envelope.kind === EnvelopeKind.ENVELOPE_KIND_SESSION_BIND) {
      this.bindSession(session, instanceId, envelope.playerId);
      return;
    }
    if (envelope.kind === EnvelopeKind.ENVELOPE_KIND_SESSION_CLOSE) {
      // Roma dropped the session: the next request opens it again.
      for (const route of session.routes.values()) route.opened = false;
      for (const route of session.keyedRoutes.values()) route.opened = false;
      return;
    }
    if (envelope.kind === EnvelopeKind.ENVELOPE_KIND_RESPONSE) {
      const request = session.inflight.get(envelope.index);
      if (!request) return; // already answered with SERVICE_UNAVAILABLE after its deadline
      this.releaseInflight(session, envelope.index, request);
      this.circuit.recordSuccess(instanceId);
      this.deps.metrics.requestAnswered(request.mod, (performance.now() - request.startedAt) / 1000);
      if (envelope.obj !== 0n && this.deps.settings().keyedModules.includes(envelope.mod)) this.learnKey(instanceId, envelope.obj);
    } else if (envelope.kind !== EnvelopeKind.ENVELOPE_KIND_PUSH) {
      return;
    }
    this.deps.deliver(session, envelope);
  }

  /**
   * A player-role instance says the session entered the game: every later
   * envelope of it, to any service, carries this player id. Any other
   * service binding a session would let it impersonate players, so it is
   * refused. Instances where the session is already open learn the player
   * from the next REQUEST, which carries it like every envelope.
   */
  private bindSession(session: GateSession, instanceId: string, playerId: bigint): void {
    const service = this.instances.get(instanceId)?.service;
    if (service !== ROMA_SERVICE || playerId <= 0n) {
      this.deps.logger.warn({ event: 'session_bind_refused', instance: instanceId, service, player_id: String(playerId) }, 'only a player-role Roma instance may bind a session to a player');
      return;
    }
    session.playerId = playerId;
  }

  private onTunnelBroken(tunnel: RomaTunnel, reason: string): void {
    const id = tunnel.instance.id;
    if (this.tunnels.get(id) === tunnel) this.tunnels.delete(id);
    const previous = this.cooldowns.get(id);
    const lastMs = Math.min(COOLDOWN_MAX_MS, previous && previous.lastMs > 0 ? previous.lastMs * 2 : COOLDOWN_MIN_MS);
    this.cooldowns.set(id, { until: Date.now() + lastMs, lastMs });
    const sessions = this.tunnelSessions.get(id);
    this.tunnelSessions.delete(id);
    for (const session of sessions ?? []) {
      for (const route of session.routes.values()) if (route.instanceId === id) route.opened = false;
      const keyed = session.keyedRoutes.get(id);
      if (keyed) keyed.opened = false;
      for (const [index, request] of session.inflight) {
        if (request.instanceId !== id) continue;
        this.deps.metrics.error('service_unavailable');
        this.failRequest(session, index, request);
      }
    }
    this.recordFailure(id, Date.now(), reason);
    this.deps.logger.info({ event: 'tunnel_cooldown', instance: id, cooldown_ms: lastMs, sessions: sessions?.size ?? 0, reason }, 'instance cooling down');
  }

  private breakTunnel(tunnel: RomaTunnel, reason: string): void {
    tunnel.close();
    this.onTunnelBroken(tunnel, reason);
  }

  /** Answers a request the backend will never answer. */
  private failRequest(session: GateSession, index: number, request: InflightRequest): void {
    this.releaseInflight(session, index, request);
    this.deps.metrics.backendFailure(request.instanceId);
    session.sendPacket({ mod: request.mod, seq: request.seq, obj: 0n, index, data: new Uint8Array(0), compressed: false, dataVersion: 0n, code: PacketCode.PACKET_CODE_SERVICE_UNAVAILABLE });
  }

  private releaseInflight(session: GateSession, index: number, request: InflightRequest): void {
    session.inflight.delete(index);
    this.inflight.count(request.instanceId, -1, session);
  }

  private recordFailure(instanceId: string, now: number, reason: string): void {
    const ejectedUntil = this.circuit.recordFailure(instanceId, now);
    if (ejectedUntil === 0) return;
    this.deps.logger.warn({ event: 'instance_ejected', instance: instanceId, until_ms: ejectedUntil, reason }, 'circuit breaker ejected a backend instance');
    this.deps.reportEjection(instanceId, ejectedUntil, reason);
  }

  private closeRouteTo(session: GateSession, instanceId: string): void {
    this.inflight.forget(instanceId, session);
    if (!this.tunnelSessions.get(instanceId)?.delete(session)) return;
    this.tunnels.get(instanceId)?.send(this.envelope(EnvelopeKind.ENVELOPE_KIND_SESSION_CLOSE, session));
  }

  private sessionsOf(instanceId: string): Set<GateSession> {
    let sessions = this.tunnelSessions.get(instanceId);
    if (!sessions) this.tunnelSessions.set(instanceId, (sessions = new Set()));
    return sessions;
  }

  private envelope(kind: EnvelopeKind, session: GateSession): Envelope {
    return Envelope.fromPartial({ kind, sessionId: session.sessionId!, accountId: session.accountId, playerId: session.playerId, color: session.color, gateId: this.deps.gateId });
  }
}

