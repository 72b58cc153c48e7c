// Module 2, Echo: answers with the request data unchanged. The smallest real
// module; clients and tests use it to prove a packet made the full round trip.
import { EchoSeq, Module } from '../../../gen/pantheon/client/v1/packet.js';
import { defineModule } from '../module-api.js';

export const echoModule = defineModule({
  id: Module.MODULE_ECHO,
  name: 'echo',
  handlers: {
    [EchoSeq.ECHO_SEQ_ECHO]: (request) => request.data,
  },
});
