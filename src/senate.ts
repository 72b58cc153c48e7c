// Senate process entry point: `node dist/senate.js --config <file>`.
import { runProcess } from './common/process.js';
import { startSenate } from './services/senate/senate-service.js';

runProcess('senate', (c) => c.senate.id, startSenate);
