// One patient: the record, longer trends, each reading's provenance, alarms and notes.
import { get, post, seg, ApiError } from './api.js';
import { h, clear, fmtTime, say } from './dom.js';
import { trendChart } from './chart.js';
import { alarmList } from './alarms.js';
import * as V from './vitals.js';

const WINDOWS = [6, 12, 24, 48];

function deviceOf(messageId) {
  // <gateway>/<stream>/<seq> (docs/uplink.md): the gateway's queue and the sequence.
  const p = String(messageId || '').split('/');
  return p.length === 3 ? `stream ${p[1]}, #${p[2]}` : messageId || '—';
}

export async function render(main, ctx, param) {
  let id;
  try { id = seg(param); } catch { clear(main, h('p', { class: 'error' }, 'No such patient.')); return null; }
  const charts = [];
  let record;
  try {
    record = await get(`/api/patients/${id}`);
  } catch (e) {
    clear(main, h('p', { class: 'error' }, e instanceof ApiError && e.status === 403
      ? 'You may not open this patient (not in your ward or care team).' : 'The patient cannot be read now.'));
    return null;
  }
  const adm = record.admissions.length ? record.admissions[record.admissions.length - 1] : null;
  const trendsEl = h('div', { class: 'trends' });
  const provEl = h('div');
  const alarmsEl = h('div');
  const notesEl = h('div');
  const windowSel = h('select', { id: 'window' }, WINDOWS.map((w) => h('option', { value: w }, `${w} hours`)));
  windowSel.value = '12';
  clear(main,
    h('div', { class: 'view-head' },
      h('h1', {}, h('span', { class: 'name' }, record.name)),
      adm ? h('a', { href: `#/ward/${adm.ward}` }, `← Ward ${adm.ward}`) : null),
    h('p', {}, `MRN ${record.mrn || '—'} · born ${record.birth_date || '—'}`,
      adm ? ` · ward ${adm.ward}, bed ${adm.bed}, ${adm.device_kind}` : '',
      record.care_teams.length ? ` · care teams ${record.care_teams.join(', ')}` : ''),
    h('section', { class: 'panel', 'aria-labelledby': 'tr' },
      h('div', { class: 'view-head' }, h('h2', { id: 'tr' }, 'Trends'),
        h('label', { for: 'window' }, 'Window '), windowSel),
      trendsEl),
    h('section', { class: 'panel', 'aria-labelledby': 'pv' }, h('h2', { id: 'pv' }, 'Latest readings and their provenance'), provEl),
    h('section', { class: 'panel', 'aria-labelledby': 'al' }, h('h2', { id: 'al' }, 'Alarms, last 24 hours'), alarmsEl),
    h('section', { class: 'panel', 'aria-labelledby': 'nt' }, h('h2', { id: 'nt' }, 'Notes'), notesEl));

  const latest = await get(`/api/patients/${id}/vitals`).catch(() => ({ vitals: {} }));
  const vitals = Object.values(latest.vitals);
  clear(provEl, vitals.length ? h('table', {},
    h('thead', {}, h('tr', {}, ['Vital', 'Value', 'Time', 'Quality', 'Gateway', 'Message', 'Verified']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, vitals.map((r) => h('tr', {},
      h('td', {}, V.label(r.vital)), h('td', {}, `${V.value(r.value)} ${V.unit(r.unit)}`),
      h('td', {}, fmtTime(r.time_ms)), h('td', {}, r.quality),
      h('td', {}, r.gateway), h('td', {}, deviceOf(r.message_id)),
      // Stored readings all came from frames the gateway authenticated, over an
      // uplink the cloud authenticated: the column says which gateway vouched.
      h('td', {}, r.quality === 'valid' ? `✔ by ${r.gateway}` : `✔ by ${r.gateway}, flagged ${r.quality}`))))) :
    h('p', { class: 'muted' }, 'No reading yet.'));

  const drawTrends = async () => {
    for (const c of charts.splice(0)) c.destroy();
    clear(trendsEl);
    const hours = Number(windowSel.value);
    const to = Date.now();
    for (const r of vitals) {
      try {
        const t = await get(`/api/patients/${id}/vitals?vital=${seg(r.vital)}&from=${to - hours * 3600e3}&to=${to}`);
        const box = h('figure', { class: 'trend' }, h('figcaption', {}, `${V.label(r.vital)} (${V.unit(t.unit)}), ${t.points.length} readings${t.truncated ? ', cut' : ''}`));
        trendsEl.appendChild(box);
        charts.push(trendChart(box, { label: V.label(r.vital), unit: V.unit(t.unit), width: 560, height: 160, points: t.points }));
      } catch { trendsEl.appendChild(h('p', { class: 'muted' }, `${V.label(r.vital)}: trend not available.`)); }
    }
  };
  windowSel.addEventListener('change', drawTrends);
  drawTrends();

  const loadAlarms = async () => {
    try {
      const a = await get(`/api/patients/${id}/alarms`);
      clear(alarmsEl, alarmList(a.alarms, { onChanged: loadAlarms }));
    } catch { clear(alarmsEl, h('p', { class: 'muted' }, 'Alarms not available.')); }
  };
  loadAlarms();

  const loadNotes = async () => {
    const text = h('textarea', { id: 'note-text', rows: 3, maxlength: 8000, required: true });
    const form = h('form', { class: 'note-form' }, h('label', { for: 'note-text' }, 'Add a note'), text,
      h('button', { type: 'submit' }, 'Save note'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!text.value.trim()) return;
      try {
        await post(`/api/patients/${id}/notes`, { text: text.value });
        say('Note saved.');
        loadNotes();
      } catch { say('The note could not be saved.', 'error'); }
    });
    let list = h('p', { class: 'muted' }, 'Notes not available.');
    try {
      const n = await get(`/api/patients/${id}/notes`);
      list = n.notes.length ? h('ul', { class: 'notes' }, n.notes.map((x) =>
        h('li', {}, h('p', { class: 'note-text' }, x.text), h('p', { class: 'muted' }, `${x.author}, ${fmtTime(x.time_ms)}`)))) :
        h('p', { class: 'muted' }, 'No note yet.');
    } catch { /* shown as not available */ }
    clear(notesEl, list, form);
  };
  loadNotes();
  return () => { for (const c of charts) c.destroy(); };
}
