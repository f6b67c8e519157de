// The ward view: every bed with its live vitals, partial NEWS2 and a chart of the last
// hours, and the ward's active alarms. Live by server-sent events from
// /api/wards/{ward}/stream (opened before the snapshot is read, so nothing committed in
// between is missed); EventSource reconnects by itself with Last-Event-ID.
import { get, seg, ApiError } from './api.js';
import { h, clear, fmtClock, say } from './dom.js';
import { trendChart } from './chart.js';
import { renderAlarms } from './alarms.js';
import * as V from './vitals.js';

const TREND_HOURS = 2;

export async function render(main, ctx, wardParam) {
  let ward;
  try { ward = seg(wardParam); } catch { clear(main, h('p', { class: 'error' }, 'No such ward.')); return null; }
  const live = h('span', { class: 'live', role: 'status' }, '○ connecting…');
  const alarmsEl = h('div', { id: 'alarms' }, h('p', { class: 'muted' }, 'Loading alarms…'));
  const bedsEl = h('div', { class: 'beds', id: 'beds' });
  clear(main,
    h('div', { class: 'view-head' }, h('h1', {}, `Ward ${ward}`), live),
    h('section', { 'aria-labelledby': 'alarms-title', class: 'panel' },
      h('h2', { id: 'alarms-title' }, 'Active alarms'), alarmsEl),
    h('section', { 'aria-labelledby': 'beds-title' }, h('h2', { id: 'beds-title' }, 'Beds'), bedsEl));

  const beds = new Map();  // patient_id -> {bed, name, cards...}
  const pending = [];      // readings that arrived before the snapshot
  const charts = [];
  let closed = false;

  const bedOf = (pid) => {
    const b = beds.get(pid);
    return b ? `Bed ${b.bed} · ${b.name}` : `patient ${pid}`;
  };
  const refreshAlarms = async () => {
    try {
      const r = await get(`/api/wards/${ward}/alarms`);
      if (!closed) renderAlarms(alarmsEl, r.alarms, { bedOf, onChanged: refreshAlarms });
    } catch (e) {
      if (!closed) clear(alarmsEl, h('p', { class: 'error' }, 'Alarms cannot be read now.'));
    }
  };

  const setVital = (b, r) => {
    let row = b.vitals.get(r.vital);
    if (!row) {
      const val = h('span', { class: 'value' });
      const when = h('span', { class: 'time' });
      const dd = h('dd', {}, val, ' ', when);
      b.list.append(h('dt', {}, V.label(r.vital)), dd);
      row = { val, when };
      b.vitals.set(r.vital, row);
    }
    if (row.time_ms && r.time_ms < row.time_ms) return;
    row.time_ms = r.time_ms;
    const q = r.quality && r.quality !== 'valid' ? ` (${r.quality})` : '';
    row.val.textContent = `${V.value(r.value)} ${V.unit(r.unit)}${q}`;
    row.val.setAttribute('data-vital', r.vital);
    row.val.setAttribute('data-time-ms', String(r.time_ms));
    row.when.textContent = fmtClock(r.time_ms);
  };

  const applyReading = (r) => {
    const b = beds.get(r.patient_id);
    if (!b) return;  // a patient admitted after the snapshot: the next load shows them
    setVital(b, r);
    if (r.news2 !== undefined) b.news2.replaceWith(b.news2 = V.news2(r.news2));
    if (b.chart && r.vital === b.chartVital) b.chart.add(r.time_ms, r.value);
  };

  const es = new EventSource(`/api/wards/${ward}/stream`);
  es.addEventListener('open', () => { live.textContent = '● live'; live.className = 'live on'; });
  es.addEventListener('error', () => {
    live.textContent = '○ reconnecting…';
    live.className = 'live off';
  });
  es.addEventListener('reading', (ev) => {
    let r;
    try { r = JSON.parse(ev.data); } catch { return; }
    if (beds.size === 0) pending.push(r); else applyReading(r);
  });
  es.addEventListener('alarm', () => refreshAlarms());

  let snapshot;
  try {
    snapshot = await get(`/api/wards/${ward}/latest`);
  } catch (e) {
    es.close();
    const why = e instanceof ApiError && e.status === 403
      ? 'You are not on duty in this ward, so its patients are not shown.'
      : 'The ward cannot be read now.';
    clear(bedsEl, h('p', { class: 'error' }, why));
    clear(alarmsEl);
    return null;
  }
  if (!snapshot.beds.length) clear(bedsEl, h('p', { class: 'muted' }, 'No patient is admitted in this ward.'));
  for (const bed of snapshot.beds) {
    const list = h('dl', { class: 'vitals' });
    const n2 = V.news2(bed.news2);
    const chartBox = h('div', { class: 'chart-box' });
    const card = h('article', { class: 'bed', 'data-patient': bed.patient_id, 'aria-labelledby': `bed-${bed.patient_id}` },
      h('h3', { id: `bed-${bed.patient_id}` }, h('span', { class: 'bedno' }, `Bed ${bed.bed}`), ' ',
        h('span', { class: 'name' }, bed.name)),
      n2, list, chartBox,
      h('a', { href: `#/patient/${bed.patient_id}` }, 'Open patient record'));
    const b = { bed: bed.bed, name: bed.name, list, news2: n2, vitals: new Map(), chartBox };
    beds.set(bed.patient_id, b);
    for (const r of Object.values(bed.vitals)) setVital(b, r);
    b.chartVital = V.MAIN_VITALS.find((v) => bed.vitals[v]) || Object.keys(bed.vitals)[0];
    bedsEl.appendChild(card);
  }
  for (const r of pending.splice(0)) applyReading(r);
  refreshAlarms();
  // The charts after the cards: a slow trend never delays the live values.
  const to = Date.now();
  for (const [pid, b] of beds) {
    if (!b.chartVital || closed) continue;
    try {
      const t = await get(`/api/patients/${pid}/vitals?vital=${b.chartVital}&from=${to - TREND_HOURS * 3600e3}&to=${to}`);
      if (closed) break;
      b.chartBox.appendChild(h('p', { class: 'chart-title' }, `${V.label(b.chartVital)}, last ${TREND_HOURS} h`));
      b.chart = trendChart(b.chartBox, { label: V.label(b.chartVital), unit: V.unit(t.unit), points: t.points });
      charts.push(b.chart);
    } catch {
      b.chartBox.appendChild(h('p', { class: 'muted' }, 'Trend not available.'));
    }
  }
  say(`Ward ${ward}: ${beds.size} patients.`);
  return () => {
    closed = true;
    es.close();
    for (const c of charts) c.destroy();
  };
}
