// Lares entry point: accounts, sessions and single-use connection tokens over
// HTTP JSON, plus LaresAdmin over gRPC. `node dist/lares.js --config <file>`.
import { runProcess } from './common/process.js';
import { startLares } from './services/lares/start.js';

runProcess('lares', (config) => config.lares.id, startLares);
