// Mercury's command line: what to simulate and against which cluster. Only
// parses and validates; running the players is index.ts's job.

export type ScenarioName = 'smoke' | 'chat' | 'rooms';
export const SCENARIOS: readonly ScenarioName[] = ['smoke', 'chat', 'rooms'];

export interface MercuryOptions {
  players: number;
  scenario: ScenarioName;
  laresUrl: string;
  rampMs: number;
  /** Mean think time between actions; each pause is uniform in 0.5..1.5 of it. */
  thinkMs: number;
  durationS: number;
  transport: 'ws' | 'tcp';
  check: boolean;
}

/** World chat allows 0.5 messages/s (game data chat.json), so the chat scenario thinks longer by default. */
const DEFAULT_THINK_MS: Record<ScenarioName, number> = { smoke: 500, chat: 2500, rooms: 200 };

export function parseOptions(argv: readonly string[]): MercuryOptions {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) return undefined;
    const given = argv[at + 1];
    if (given === undefined || given.startsWith('--')) throw new Error(`--${name} needs a value`);
    return given;
  };
  const scenario = (value('scenario') ?? 'smoke') as ScenarioName;
  if (!SCENARIOS.includes(scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}, got ${scenario}`);
  const transport = value('transport') ?? 'ws';
  if (transport !== 'ws' && transport !== 'tcp') throw new Error(`--transport must be ws or tcp, got ${transport}`);
  return {
    players: count(value('players'), 'players', 10, 1),
    scenario,
    laresUrl: value('lares') ?? 'http://127.0.0.1:8001',
    rampMs: count(value('ramp-ms'), 'ramp-ms', 2_000, 0),
    thinkMs: count(value('think-ms'), 'think-ms', DEFAULT_THINK_MS[scenario], 0),
    durationS: count(value('duration-s'), 'duration-s', 30, 1),
    transport,
    check: argv.includes('--check'),
  };
}

function count(given: string | undefined, name: string, fallback: number, min: number): number {
  if (given === undefined) return fallback;
  const parsed = Number(given);
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer >= ${min}, got ${given}`);
  return parsed;
}
