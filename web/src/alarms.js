// Clinical alarms: ordered by priority then age, each state said in words and by an icon
// (never by colour alone), with Acknowledge and Silence-for-N-minutes (both audited).
import { post, seg, ApiError } from './api.js';
import { h, clear, fmtClock, say } from './dom.js';

const RANK = { high: 0, medium: 1, low: 2, info: 3 };
const ICON = { high: '▲▲▲', medium: '▲▲', low: '▲', info: 'ℹ' };
const SILENCE = [1, 2, 5, 10, 15, 30];

export function sortAlarms(alarms) {
  return [...alarms].sort((a, b) =>
    (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9) || b.raised_ms - a.raised_ms);
}

function stateText(a) {
  if (a.silenced && a.ack && a.ack.silence_until_ms)
    return `silenced until ${fmtClock(a.ack.silence_until_ms)} by ${a.ack.user}`;
  if (a.acknowledged && a.ack) return `acknowledged by ${a.ack.user} at ${fmtClock(a.ack.time_ms)}`;
  return 'not acknowledged';
}

export function alarmList(alarms, { bedOf = () => '', onChanged = () => {} } = {}) {
  const active = sortAlarms(alarms.filter((a) => a.state !== 'cleared'));
  if (!active.length) return h('p', { class: 'muted' }, '✓ No active alarm.');
  return h('ol', { class: 'alarms', 'aria-label': 'Active alarms, highest priority first' },
    active.map((a) => {
      const detail = a.detail || {};
      const minutes = h('select', { 'aria-label': 'Silence for how many minutes' },
        SILENCE.map((m) => h('option', { value: m }, `${m} min`)));
      minutes.value = '5';
      const ack = async (silence) => {
        try {
          await post(`/api/alarms/${seg(a.ref)}/ack`, silence ? { silence_minutes: silence } : {});
          say(silence ? `Alarm silenced for ${silence} minutes.` : 'Alarm acknowledged.');
          onChanged();
        } catch (e) {
          say(e instanceof ApiError && e.status === 403 ? 'You may not acknowledge this alarm.' : 'The alarm could not be acknowledged.', 'error');
        }
      };
      return h('li', { class: `alarm prio-${a.priority}${a.acknowledged ? ' acked' : ''}`, 'data-alarm': a.alarm_id },
        h('span', { class: 'prio', 'aria-hidden': 'true' }, ICON[a.priority] || '?'),
        h('span', { class: 'prio-text' }, `${String(a.priority).toUpperCase()} priority`),
        h('span', { class: 'what' }, detail.message || detail.condition || 'alarm'),
        h('span', { class: 'where' }, bedOf(a.patient_id)),
        h('span', { class: 'when' }, `since ${fmtClock(a.raised_ms)}`),
        h('span', { class: 'state' }, stateText(a)),
        h('span', { class: 'actions' },
          h('button', { type: 'button', onclick: () => ack(0), disabled: a.acknowledged && !a.silenced }, 'Acknowledge'),
          minutes,
          h('button', { type: 'button', onclick: () => ack(Number(minutes.value)) }, 'Silence')));
    }));
}

export function renderAlarms(el, alarms, opts) {
  clear(el, alarmList(alarms, opts));
}
