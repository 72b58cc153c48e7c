// Answers one client request: finds the module handler, runs it with a
// context, and turns every outcome (data, unknown module/seq, rejection,
// crash) into a PacketCode plus data. It never throws, so one failing
// request cannot break its session's queue or any other session.
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { PacketCode } from '../../gen/pantheon/client/v1/packet.js';
import type { Envelope } from '../../gen/pantheon/roma/v1/tunnel.js';
import { RequestRejected, type Handler, type HandlerContext, type ObjResponse, type PushMessage, type RomaModule, type SessionInfo } from './module-api.js';
import type { ModuleRegistry } from './module-registry.js';
import type { SessionDirectory } from './session-directory.js';
import type { RequestObserver } from './roma-metrics.js';

/** The parts of a REQUEST envelope that answering it depends on. */
export type PacketRequest = Pick<Envelope, 'mod' | 'seq' | 'obj' | 'index' | 'data' | 'dataVersion'>;

export interface Answer {
  code: PacketCode;
  data?: Uint8Array;
  /** The response's Packet.obj when the handler set one; otherwise the request's. */
  obj?: bigint;
}

export class RequestDispatcher {
  constructor(
    private readonly registry: ModuleRegistry,
    private readonly directory: SessionDirectory,
    private readonly logger: Logger,
    /** Told about every answer (metrics); optional so modules' unit tests need none. */
    private readonly observer?: RequestObserver,
  ) {}

  async answer(session: SessionInfo, request: PacketRequest): Promise<Answer> {
    const lookup = this.registry.lookup(request.mod, request.seq);
    if (lookup.kind !== 'found') {
      const code = lookup.kind === 'unknown_module' ? PacketCode.PACKET_CODE_UNKNOWN_MODULE : PacketCode.PACKET_CODE_UNKNOWN_SEQ;
      this.observer?.answered(lookup.kind === 'unknown_seq' ? lookup.module : undefined, code, null);
      return { code };
    }
    const started = performance.now();
    const answer = await this.run(lookup.module, lookup.handler, session, request);
    this.observer?.answered(lookup.module, answer.code, (performance.now() - started) / 1000);
    return answer;
  }

  private async run(module: RomaModule, handler: Handler, session: SessionInfo, request: PacketRequest): Promise<Answer> {
    const context = this.contextFor(session, module.id, module.name);
    try {
      const returned: unknown = await handler({ session, data: request.data, obj: request.obj, dataVersion: request.dataVersion }, context);
      if (returned instanceof Uint8Array) return { code: PacketCode.PACKET_CODE_OK, data: returned };
      if (isObjResponse(returned)) return { code: PacketCode.PACKET_CODE_OK, data: returned.data, obj: returned.obj };
      throw new TypeError(`handler returned ${describe(returned)}; a handler must return (or resolve to) a Uint8Array or { data: Uint8Array, obj: bigint }`);
    } catch (error) {
      return this.failure(error, session, module.name, request);
    }
  }

  private failure(error: unknown, session: SessionInfo, moduleName: string, request: PacketRequest): Answer {
    const where = { module: moduleName, mod: request.mod, seq: request.seq, index: request.index, session: session.idHex };
    if (error instanceof RequestRejected) {
      this.logger.debug({ event: 'request_rejected', ...where, code: error.packetCode, reason: error.message }, 'request rejected by module');
      return { code: error.packetCode };
    }
    this.logger.error({ event: 'handler_failed', ...where, err: error }, `handler ${moduleName}/${request.seq} failed: ${errorMessage(error)}`);
    return { code: PacketCode.PACKET_CODE_INTERNAL };
  }

  private contextFor(session: SessionInfo, moduleId: number, moduleName: string): HandlerContext {
    const directory = this.directory;
    const parentLogger = this.logger;
    let logger: Logger | undefined;
    const pushTo = (sessionId: Uint8Array, message: PushMessage): boolean => {
      // Checked here, where the module author sees the stack, not later when the batch is encoded.
      const mod = message.mod ?? moduleId;
      if (!(message.data instanceof Uint8Array)) throw new TypeError(`push data must be a Uint8Array, got ${describe(message.data)}`);
      if (!isInt32(mod) || !isInt32(message.seq)) throw new TypeError(`push mod and seq must be 32-bit integers, got mod ${mod}, seq ${message.seq}`);
      return directory.push(sessionId, { mod, seq: message.seq, data: message.data });
    };
    return {
      push: (message) => pushTo(session.id, message),
      pushTo,
      bindSession: (playerId) => directory.bindSession(session.id, playerId),
      // Created on first use: most requests never log, and a child logger is not free.
      get logger() {
        logger ??= parentLogger.child({ module: moduleName, session: session.idHex });
        return logger;
      },
    };
  }
}

function isObjResponse(value: unknown): value is ObjResponse {
  return typeof value === 'object' && value !== null && (value as ObjResponse).data instanceof Uint8Array && typeof (value as ObjResponse).obj === 'bigint';
}

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no constructor'})`;
  return typeof value;
}
