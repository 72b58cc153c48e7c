// `node dist/gate` — the gateway (Janus): control plane on this thread,
// data-plane workers spawned by it.
import { runProcess } from './common/process.js';
import { startGate } from './controlplane/gate.js';

runProcess('gate', (config) => config.gate.id, startGate);
