// Turns one bench run (the JSON report) into a Markdown summary and a
// hand-written SVG chart. Pure functions of the report: no measuring here.

const MIB = 2 ** 20;
const fmt = (v, digits = 2) => (v === undefined || v === null ? '-' : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(digits)) : String(v));
const rssCell = (peaks) => Object.entries(peaks ?? {}).map(([name, bytes]) => `${name} ${(bytes / MIB).toFixed(0)}`).join(', ');

/** One row per measured load, including the sub-runs some scenarios make. */
export function rows(results) {
  const out = [];
  const add = (label, r) => { if (r) out.push({ label, ...r }); };
  add('baseline (bare uWS echo)', results.baseline);
  add('gate-heartbeat', results['gate-heartbeat']);
  add('gate-roma-echo (closed loop)', results['gate-roma-echo']);
  const half = results['gate-roma-echo']?.half_rate;
  if (half) add(`gate-roma-echo at 50% (${fmt(half.target_per_s)}/s open loop)`, half);
  if (results.handshake) {
    add('handshake', results.handshake);
    add('crypto ceiling (1 thread)', { throughput_per_s: results.handshake.crypto_ceiling_per_s });
  }
  if (results.idle) add(`idle heartbeats (N=${fmt(results.idle.connections)})`, results.idle);
  for (const [name, who] of [['room-relay', 'Pantheon'], ['peer-colyseus', 'Colyseus']]) {
    const r = results[name];
    if (r) add(`${name}: ${who}, ${fmt(r.rooms)} rooms${r.meets_slo ? '' : ' (over the service level)'}`, r);
  }
  add('workers: 1 data-plane worker', results.workers?.one_worker);
  add('workers: 2 data-plane workers', results.workers?.two_workers);
  return out;
}

export function renderMarkdown(report, svgName) {
  const m = report.machine;
  const s = report.settings;
  const lines = [
    `# Bench run ${report.started_at}`,
    '',
    `Machine: ${m.nproc} CPUs (${m.cpu_model}), ${m.memory_gib} GiB, Node ${m.node}. Load average at start ${m.loadavg_at_start.join(' ')}, at end ${(m.loadavg_at_end ?? []).join(' ')}` +
      ' (a load above 0 before the run means other processes shared the CPUs: compare ratios, not absolute figures).',
    `Settings: ${s.quick ? 'QUICK (tiny sizes; figures are not meaningful) · ' : ''}${s.durationMs / 1000} s per measured window after ${s.warmupMs / 1000} s warm-up · ${s.connections} connections · pipeline depth ${s.depth} · ${s.payload} B payload · ${s.workers} gate workers · ${s.clientThreads} client threads.`,
    '',
    '## Targets',
    '',
    '| target | value | goal | verdict |',
    '|---|---:|---:|---|',
    ...report.targets.map((t) => `| ${t.name} | ${fmt(t.value, 3)} | ${t.op} ${t.goal} | **${t.verdict}** |`),
    '',
    '## Scenarios',
    '',
    'Throughput is completed round trips (or handshakes) per second; latency from an HDR histogram; CPU seconds over the measured window; client CPU share = client / (client + servers).',
    '',
    '| scenario | ops/s | p50 ms | p90 ms | p99 ms | p99.9 ms | server CPU s | client CPU s | client share | peak RSS MiB | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    ...rows(report.results).map((r) => {
      const l = r.latency_ms ?? {};
      return `| ${r.label} | ${fmt(r.throughput_per_s)} | ${fmt(l.p50, 3)} | ${fmt(l.p90, 3)} | ${fmt(l.p99, 3)} | ${fmt(l.p999, 3)} | ${fmt(r.server_cpu_s)} | ${fmt(r.client_cpu_s)} | ${fmt(r.client_cpu_share, 3)} | ${rssCell(r.peak_rss_bytes)} | ${fmt(r.errors)} |`;
    }),
    '',
  ];
  const idle = report.results.idle;
  if (idle) {
    lines.push(`Idle: ${fmt(idle.connections)} connections over ${idle.source_addresses} loopback source address(es), connected in ${idle.connect_seconds} s; gate RSS ${(idle.gate_rss_before_bytes / MIB).toFixed(1)} → ${(idle.gate_rss_after_bytes / MIB).toFixed(1)} MiB = ${fmt(idle.rss_per_connection_bytes)} B per connection; heartbeat every ${idle.heartbeat_interval_ms} ms per connection; fd limits client ${idle.fd_limits.client}, gate ${idle.fd_limits.gate}.`, '');
  }
  const relays = [['room-relay', 'Pantheon'], ['peer-colyseus', 'Colyseus']].filter(([name]) => report.results[name]);
  if (relays.length) {
    const first = report.results[relays[0][0]];
    lines.push(
      `Room relay: rooms of ${first.room_size}, every player sends a 20-byte position ${first.relay_hz} times a second, relayed to the other members; latency runs from the moment a client sent to the moment another received, and the client's lateness against its schedule is its own column; ops/s above is delivered messages per second at the largest step that met the service level (p99 delivery ≤ ${first.slo.p99_ms} ms and ≥ ${first.slo.min_delivery_ratio * 100}% delivered). Every step:`,
      '',
      '| server | rooms | players | sent/s | delivered/s | delivered % | p99 ms | client send lag p99 ms | server CPU s | client CPU s | meets |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...relays.flatMap(([name, who]) => report.results[name].steps.map((st) =>
        `| ${who} | ${fmt(st.rooms)} | ${fmt(st.players)} | ${fmt(st.sent_per_s)} | ${fmt(st.throughput_per_s)} | ${fmt(st.delivery_ratio * 100, 1)} | ${fmt(st.latency_ms.p99, 3)} | ${fmt(st.send_lag_p99_ms, 3)} | ${fmt(st.server_cpu_s)} | ${fmt(st.client_cpu_s)} | ${st.meets_slo ? 'yes' : 'no'} |`)),
      '',
    );
  }
  const w = report.results.workers;
  if (w) lines.push(`Workers: 2/1 = ${w.ratio_2_to_1}; client CPU share ${w.one_worker.client_cpu_share} (1 worker) and ${w.two_workers.client_cpu_share} (2 workers). On a machine where client and gate share the cores, a high client share caps the ratio.`, '');
  lines.push(`![throughput and latency per scenario](${svgName})`, '');
  return lines.join('\n');
}

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Log-scale position of `value` in [lo, hi] mapped onto `width` pixels. */
const logX = (value, lo, hi, width) => (Math.log10(Math.min(hi, Math.max(lo, value))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * width;

export function renderSvg(report) {
  const data = rows(report.results);
  const labelW = 300, panelW = 360, gap = 40, rowH = 30, top = 70;
  const width = labelW + 2 * panelW + gap + 40;
  const height = top + data.length * rowH + 40;
  const tMax = 10 ** Math.ceil(Math.log10(Math.max(10, ...data.map((r) => r.throughput_per_s ?? 1))));
  const lat = { lo: 0.01, hi: 1000 };
  const x1 = labelW, x2 = labelW + panelW + gap;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Pantheon bench ${escape(report.started_at)}${report.settings.quick ? ' (QUICK: not meaningful)' : ''}</text>`,
    `<text x="${x1}" y="45" font-weight="bold">throughput, ops/s (log scale)</text>`,
    `<text x="${x2}" y="45" font-weight="bold">latency ms (log): <tspan fill="#1f77b4">■ p50</tspan> <tspan fill="#ff7f0e">■ p99</tspan> <tspan fill="#d62728">| p99.9</tspan></text>`,
  ];
  for (const [x, lo, hi] of [[x1, 1, tMax], [x2, lat.lo, lat.hi]]) {
    for (let v = lo; v <= hi; v *= 10) {
      const gx = x + logX(v, lo, hi, panelW);
      out.push(`<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${top + data.length * rowH}" stroke="#ddd"/>`);
      out.push(`<text x="${gx}" y="${top + data.length * rowH + 14}" text-anchor="middle" fill="#666" font-size="10">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
    }
  }
  data.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escape(r.label)}</text>`);
    if (r.throughput_per_s) {
      const w = logX(r.throughput_per_s, 1, tMax, panelW);
      out.push(`<rect x="${x1}" y="${y + 3}" width="${w.toFixed(1)}" height="18" fill="#2ca02c"/>`);
      out.push(`<text x="${x1 + w + 4}" y="${y + 16}">${fmt(r.throughput_per_s)}</text>`);
    }
    const l = r.latency_ms;
    if (l?.p50) {
      const p99 = logX(l.p99, lat.lo, lat.hi, panelW);
      const p50 = logX(l.p50, lat.lo, lat.hi, panelW);
      const p999 = logX(l.p999, lat.lo, lat.hi, panelW);
      out.push(`<rect x="${x2}" y="${y + 3}" width="${p99.toFixed(1)}" height="18" fill="#ff7f0e"/>`);
      out.push(`<rect x="${x2}" y="${y + 3}" width="${p50.toFixed(1)}" height="18" fill="#1f77b4"/>`);
      out.push(`<line x1="${x2 + p999}" y1="${y + 1}" x2="${x2 + p999}" y2="${y + 23}" stroke="#d62728" stroke-width="2"/>`);
      out.push(`<text x="${x2 + Math.max(p99, p999) + 5}" y="${y + 16}">${fmt(l.p50, 2)} / ${fmt(l.p99, 2)}</text>`);
    }
  });
  out.push('</svg>', '');
  return out.join('\n');
}
