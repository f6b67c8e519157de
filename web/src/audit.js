// The audit view (auditors): the hash chain's verification and its records, page by page.
import { get } from './api.js';
import { h, clear, fmtTime } from './dom.js';

export async function render(main) {
  const verdict = h('div', { id: 'verdict' }, h('p', { class: 'muted' }, 'Verifying the chain…'));
  const table = h('div');
  const filter = h('input', { id: 'actor', type: 'text', maxlength: 64 });
  const form = h('form', { class: 'inline' }, h('label', { for: 'actor' }, 'Actor '), filter,
    h('button', { type: 'submit' }, 'Filter'));
  clear(main, h('h1', {}, 'Audit'), verdict, form, table);
  const load = async (from) => {
    const q = new URLSearchParams({ limit: '100', from: String(from) });
    if (filter.value.trim()) q.set('actor', filter.value.trim());
    if (from === 1) q.set('verify', 'true');
    let r;
    try { r = await get(`/audit?${q}`); } catch { clear(table, h('p', { class: 'error' }, 'The audit log cannot be read.')); return; }
    if (r.verify) {
      const ok = r.verify.finding === 'intact';
      clear(verdict, h('p', { class: ok ? 'verdict ok' : 'verdict bad', role: 'status', 'data-finding': r.verify.finding },
        ok ? `✔ Chain verified: ${r.verify.verified} records intact.`
          : `✖ Chain verification failed (${r.verify.finding}) at record ${r.verify.seq}: ${r.verify.detail}`));
    }
    clear(table, h('table', { id: 'audit-table' },
      h('thead', {}, h('tr', {}, ['#', 'Time', 'Actor', 'Role', 'Operation', 'Patient', 'Decision', 'Rule', 'Outcome', 'Reason']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, r.entries.map((e) => h('tr', { class: e.emergency ? 'emergency' : null },
        h('td', {}, String(e.seq)), h('td', {}, fmtTime(e.time_ms)), h('td', {}, e.actor), h('td', {}, e.role),
        h('td', {}, e.operation), h('td', {}, e.patient_id == null ? '—' : String(e.patient_id)),
        h('td', {}, e.decision), h('td', {}, e.rule), h('td', {}, e.outcome),
        h('td', {}, `${e.emergency ? '⚠ break-glass: ' : ''}${e.reason}`))))),
    r.next ? h('button', { type: 'button', onclick: () => load(r.next) }, 'Next records') : null);
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(1); });
  await load(1);
  return null;
}
