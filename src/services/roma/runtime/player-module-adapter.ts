// Turns a player module (v2) into a plain Roma module the registry and
// dispatcher already understand: decode the request, find the actor through
// the session binding (never through Packet.obj), run the handler in the
// actor's mailbox, encode the response. Before enter game every handler
// answers GAME_RESULT_NOT_IN_GAME.
import { PacketCode } from '../../../gen/pantheon/client/v1/packet.js';
import { GameResult } from '../../../gen/pantheon/game/v1/common.js';
import { defineModule, RequestRejected, type Handler, type RomaModule } from '../module-api.js';
import type { PlayerHandler, PlayerModule } from './player-module.js';
import type { PlayerRuntime } from './player-runtime.js';

export function romaModuleFor(module: PlayerModule, runtime: PlayerRuntime): RomaModule {
  const handlers: Record<number, Handler> = {};
  for (const [seq, spec] of Object.entries(module.handlers)) handlers[Number(seq)] = handlerFor(module, spec, runtime);
  return defineModule({ id: module.id, name: module.name, handlers });
}

function handlerFor(module: PlayerModule, spec: PlayerHandler, runtime: PlayerRuntime): Handler {
  const notInGame = () => spec.response.encode(spec.response.fromPartial({ result: GameResult.GAME_RESULT_NOT_IN_GAME })).finish();
  return async (request) => {
    let message: unknown;
    try {
      message = spec.request.decode(request.data);
    } catch (error) {
      throw new RequestRejected(PacketCode.PACKET_CODE_BAD_REQUEST, `${module.name}: request data is not a valid message: ${String(error)}`);
    }
    const actor = runtime.actorOf(request.session);
    if (!actor) return notInGame();
    const response = await actor.run((ctx) => {
      // The session may have been kicked or the actor stopped while this request waited in the mailbox.
      if (actor.stopped || actor.session?.idHex !== request.session.idHex) return undefined;
      return spec.handle(ctx, message);
    });
    return response === undefined ? notInGame() : spec.response.encode(response).finish();
  };
}
