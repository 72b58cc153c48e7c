// Roma process entry point: `node dist/roma.js --config <file>`.
import { runProcess } from './common/process.js';
import { startRoma } from './services/roma/roma-service.js';

runProcess('roma', (c) => c.roma.id, startRoma);
