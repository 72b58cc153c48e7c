// Typed Chat (module 103) calls over a game client, so chat tests read as
// "send", "whisper", "history" rather than bytes.
import { ChatChannel, ChatHistoryRequest, ChatHistoryResponse, ChatMessage, ChatSeq, SendPrivateRequest, SendPrivateResponse, SendWorldRequest, SendWorldResponse } from '../../src/gen/pantheon/game/v1/chat.js';
import { GameModule } from '../../src/gen/pantheon/game/v1/common.js';
import type { GameClient } from '../roma-game/game-client.js';

const CHAT = GameModule.GAME_MODULE_CHAT;

export function chat(g: GameClient) {
  const call = async <T>(seq: number, data: Uint8Array, type: { decode(d: Uint8Array): T }) => type.decode((await g.client.request(CHAT, seq, data)).data);
  return {
    world: (text: string) => call(ChatSeq.CHAT_SEQ_SEND_WORLD, SendWorldRequest.encode({ text }).finish(), SendWorldResponse),
    whisper: (targetPlayerId: bigint, text: string) => call(ChatSeq.CHAT_SEQ_SEND_PRIVATE, SendPrivateRequest.encode({ targetPlayerId, text }).finish(), SendPrivateResponse),
    history: (channel = ChatChannel.CHAT_CHANNEL_WORLD) => call(ChatSeq.CHAT_SEQ_HISTORY, ChatHistoryRequest.encode({ channel }).finish(), ChatHistoryResponse),
    /** The next pushed ChatMessage whose text is `text` (earlier chat pushes are skipped). */
    async received(text: string, timeoutMs = 5_000): Promise<ChatMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no chat message "${text}" within ${timeoutMs} ms`);
        const message = ChatMessage.decode((await g.nextPush(CHAT, ChatSeq.CHAT_SEQ_MESSAGE, left)).data);
        if (message.text === text) return message;
      }
    },
  };
}
