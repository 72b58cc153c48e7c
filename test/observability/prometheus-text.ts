// A small parser for the Prometheus text exposition format (what GET /metrics
// returns), strict enough to fail a test on a malformed line: HELP and TYPE
// comments, and samples `name{label="value",...} number`.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  /** Metric family name -> counter | gauge | histogram | summary | untyped. */
  types: Map<string, string>;
  help: Map<string, string>;
  samples: PromSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

export function parsePrometheusText(text: string): PromText {
  const parsed: PromText = { types: new Map(), help: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      parsed.types.set(name, type);
    } else if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const space = rest.indexOf(' ');
      parsed.help.set(rest.slice(0, space), rest.slice(space + 1));
    } else if (!line.startsWith('#')) {
      parsed.samples.push(parseSample(line));
    }
  }
  return parsed;
}

function parseSample(line: string): PromSample {
  const match = SAMPLE.exec(line);
  if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
  const [, name, labelText, valueText] = match;
  const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
  // Go's ParseFloat (Prometheus's parser) takes NaN in any case; prom-client writes "Nan".
  if (Number.isNaN(value) && valueText.toLowerCase() !== 'nan') throw new Error(`bad sample value in: ${line}`);
  return { name, labels: labelText ? parseLabels(labelText.slice(1, -1), line) : {}, value };
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match || match.index !== start) throw new Error(`bad labels in: ${line}`);
    labels[match[1]] = match[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

/** Sum of the samples named `name` whose labels include every label in `labels`. */
export function sampleValue(parsed: PromText, name: string, labels: Record<string, string> = {}): number {
  return parsed.samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Whether any sample named `name` exists (with those labels). */
export function hasSample(parsed: PromText, name: string, labels: Record<string, string> = {}): boolean {
  return parsed.samples.some((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
}

export async function scrape(url: string): Promise<PromText> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('text/plain')) throw new Error(`GET ${url} answered content-type ${contentType}, expected text/plain`);
  return parsePrometheusText(await response.text());
}

/** Scrapes until `done` holds (workers publish once a second), or fails with the last scrape's reason. */
export async function scrapeUntil(url: string, done: (parsed: PromText) => boolean, timeoutMs = 5_000): Promise<PromText> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const parsed = await scrape(url);
    if (done(parsed)) return parsed;
    if (Date.now() > deadline) return parsed; // the caller's expectations then say what is missing
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}
