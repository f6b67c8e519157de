// Ward-stream figures (docs/dashboard.md, "Figures"): reading-to-client latency, from the
// moment a gateway's ingest request is sent to the moment a server-sent event carrying
// that reading is parsed by a client, and how it holds with many clients on one cloud
// process. Loopback only, bounded in clients, events and time; scripts/dashboard_bench.sh
// starts the cloud and runs this.
//
// Environment: VIGIL_BASE, VIGIL_CA, VIGIL_API_KEY, VIGIL_COOKIES (JSON list of session
// cookies, one per user; clients are spread over them), VIGIL_PSEUDONYM, and
// VIGIL_PHASES: "clients:events:rate,..." (default "1:200:20,1000:100:10").
import fs from 'node:fs';
import https from 'node:https';

const BASE = new URL(process.env.VIGIL_BASE);
const CA = fs.readFileSync(process.env.VIGIL_CA);
const KEY = process.env.VIGIL_API_KEY;
const COOKIES = JSON.parse(process.env.VIGIL_COOKIES);
const PSEUDONYM = process.env.VIGIL_PSEUDONYM;
const PHASES = (process.env.VIGIL_PHASES || '1:200:20,1000:100:10').split(',').map((p) => {
  const [clients, events, rate] = p.split(':').map(Number);
  return { clients: Math.min(clients, 5000), events: Math.min(events, 10000), rate: Math.min(rate, 500) };
});
const DEADLINE = Date.now() + 170_000;  // the whole run stops by itself
const agent = new https.Agent({ ca: CA, keepAlive: false, maxSockets: Infinity });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN;

let seq = Date.now() * 10;
const sent = new Map();  // message id -> send time (ms, high resolution)
const now = () => performance.timeOrigin + performance.now();

function ingest(value) {
  const t = Date.now();
  const s = seq++;
  const id = `gw-01/00000000000000bb/${s}`;
  const body = JSON.stringify({
    v: 1, id, kind: 'telemetry', site: 'bench', gateway: 'gw-01', stream: '00000000000000bb', seq: s,
    time: new Date(t).toISOString(), time_ms: t, pseudonym: PSEUDONYM, ward: 'icu',
    device_kind: 'pulse_oximeter', vital: 'spo2', value, unit: '%', quality: 'valid',
  }) + '\n';
  sent.set(id, now());
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', servername: BASE.hostname, port: BASE.port, path: '/ingest/v1/messages', method: 'POST', agent,
      headers: { Authorization: `ApiKey ${KEY}`, 'Content-Type': 'application/x-ndjson', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => { res.resume(); res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`ingest ${res.statusCode}`)))); });
    req.on('error', reject);
    req.end(body);
  });
}

// One follower: parses the event stream and records, per reading, when it arrived.
function follow(i, samples, state) {
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1', servername: BASE.hostname, port: BASE.port, path: '/api/wards/icu/stream', method: 'GET', agent,
      headers: { Cookie: COOKIES[i % COOKIES.length], Accept: 'text/event-stream' },
    }, (res) => {
      if (res.statusCode !== 200) { state.refused++; res.resume(); resolve(null); return; }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (!state.ready.has(i)) { state.ready.add(i); resolve(req); }
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (!data || !block.includes('event: reading')) continue;
          const at = now();
          const m = /"message_id":"([^"]+)"/.exec(data);
          const t0 = m && sent.get(m[1]);
          if (t0 !== undefined) samples.push(at - t0);
        }
      });
      res.on('close', () => { if (!state.closing) state.lost++; });
    });
    req.on('error', () => { state.errors++; resolve(null); });
    req.end();
  });
}

for (const phase of PHASES) {
  if (Date.now() > DEADLINE) break;
  sent.clear();
  const samples = [];
  const state = { ready: new Set(), refused: 0, errors: 0, lost: 0, closing: false };
  const t0 = Date.now();
  const reqs = [];
  // Opened in waves, as dashboards come up, so that the handshakes do not all queue at once.
  for (let i = 0; i < phase.clients; i += 50) {
    const wave = [];
    for (let j = i; j < Math.min(phase.clients, i + 50); j++) wave.push(follow(j, samples, state));
    reqs.push(...(await Promise.all(wave)));
  }
  const connectS = (Date.now() - t0) / 1000;
  const open = reqs.filter(Boolean).length;
  await sleep(300);
  for (let e = 0; e < phase.events && Date.now() < DEADLINE; e++) {
    const next = Date.now() + 1000 / phase.rate;
    await ingest(90 + (e % 8));
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
  }
  const expected = open * Math.min(phase.events, sent.size);
  const until = Math.min(Date.now() + 10_000, DEADLINE);
  while (samples.length < expected && Date.now() < until) await sleep(50);
  samples.sort((a, b) => a - b);
  console.log(`phase: ${phase.clients} clients (${open} following, ${state.refused} refused, ${state.errors} errors), ` +
    `${sent.size} readings at ${phase.rate}/s; connected in ${connectS.toFixed(1)} s`);
  console.log(`figure: reading-to-client latency with ${open} clients: p50 ${pct(samples, 50).toFixed(1)} ms, ` +
    `p99 ${pct(samples, 99).toFixed(1)} ms, max ${samples[samples.length - 1]?.toFixed(1)} ms; ` +
    `delivered ${samples.length}/${expected} (${((100 * samples.length) / Math.max(1, expected)).toFixed(2)} %), ` +
    `streams lost ${state.lost}`);
  state.closing = true;
  for (const r of reqs) if (r) r.destroy();
  await sleep(500);
}
agent.destroy();
