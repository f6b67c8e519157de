// The security view (admins): IDS and API alerts with acknowledgement, and the device
// inventory with revocation (POST /admin/devices/{device}/revoke).
import { get, post, seg, ApiError } from './api.js';
import { h, clear, fmtTime, say } from './dom.js';

const SEVERITY = { 1: 'high', 2: 'medium', 3: 'low' };

export async function render(main) {
  const alertsEl = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const devicesEl = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  clear(main, h('h1', {}, 'Security'),
    h('section', { class: 'panel', 'aria-labelledby': 'sa' }, h('h2', { id: 'sa' }, 'Security alerts'), alertsEl),
    h('section', { class: 'panel', 'aria-labelledby': 'dv' }, h('h2', { id: 'dv' }, 'Devices and gateways'), devicesEl));

  const loadAlerts = async () => {
    let r;
    try { r = await get('/alerts?limit=200'); } catch { clear(alertsEl, h('p', { class: 'error' }, 'Alerts cannot be read.')); return; }
    if (!r.alerts.length) { clear(alertsEl, h('p', { class: 'muted' }, '✓ No security alert.')); return; }
    clear(alertsEl, h('table', { id: 'alerts-table' },
      h('thead', {}, h('tr', {}, ['Time', 'Severity', 'Signature', 'Source', 'Device', 'State', '']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, r.alerts.map((a) => {
        const sig = (a.eve && a.eve.alert && a.eve.alert.signature) || `signature ${a.signature_id}`;
        const sev = SEVERITY[a.severity] || String(a.severity);
        return h('tr', { 'data-alert': a.id },
          h('td', {}, fmtTime(a.time_ms)),
          h('td', {}, h('span', { class: `sev sev-${sev}` }, sev === 'high' ? '▲▲ high' : sev === 'medium' ? '▲ medium' : sev)),
          h('td', {}, sig), h('td', {}, a.source), h('td', {}, a.device_uid || '—'),
          h('td', {}, a.ack ? `acknowledged by ${a.ack.user}` : 'open'),
          h('td', {}, a.ack ? '' : h('button', {
            type: 'button',
            onclick: async () => {
              try { await post(`/alerts/${seg(a.ref)}/ack`, {}); say('Alert acknowledged.'); loadAlerts(); } catch { say('The alert could not be acknowledged.', 'error'); }
            },
          }, 'Acknowledge')));
      }))));
  };

  const loadDevices = async () => {
    let r;
    try { r = await get('/admin/devices'); } catch { clear(devicesEl, h('p', { class: 'error' }, 'The inventory cannot be read.')); return; }
    const devices = Array.isArray(r) ? r : (r.devices || []);
    const gateways = Array.isArray(r) ? [] : (r.gateways || []);
    const parts = [];
    if (devices.length) {
      parts.push(h('table', { id: 'devices-table' },
        h('thead', {}, h('tr', {}, ['Device', 'Kind', 'Gateway', 'Ward / bed', 'State', 'Firmware', 'Last seen', 'Revoke']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, devices.map((d) => {
          const reason = h('input', { type: 'text', 'aria-label': `Reason to revoke ${d.device}`, maxlength: 200, placeholder: 'reason' });
          const revoke = async () => {
            if (!reason.value.trim()) { say('Give a reason for the revocation.', 'error'); reason.focus(); return; }
            try {
              const out = await post(`/admin/devices/${seg(d.device)}/revoke`, { reason: reason.value });
              say(`Revocation of ${d.device} sent (${out.state || 'pending'}).`);
              loadDevices();
            } catch (e) {
              say(e instanceof ApiError && e.status === 404 ? 'This server cannot revoke devices yet.' : 'The revocation failed.', 'error');
            }
          };
          const stateIcon = { associated: '✔', idle: '○', revoked: '⊘', tampered: '⚠' }[d.state] || '?';
          return h('tr', { 'data-device': d.device },
            h('td', {}, d.device), h('td', {}, d.kind || '—'), h('td', {}, d.gateway || '—'),
            h('td', {}, `${d.ward || '—'} / ${d.bed || '—'}`),
            h('td', {}, h('span', { class: `state state-${d.state}` }, `${stateIcon} ${d.state}`)),
            h('td', {}, d.firmware_version || '—'), h('td', {}, fmtTime(d.last_seen)),
            h('td', {}, d.state === 'revoked' ? '—' : h('span', { class: 'revoke' }, reason,
              h('button', { type: 'button', class: 'danger', onclick: revoke }, 'Revoke'))));
        }))));
    }
    if (gateways.length) {
      parts.push(h('table', { id: 'gateways-table' },
        h('thead', {}, h('tr', {}, ['Gateway', 'Site', 'State', 'Version', 'Queued', 'Last status']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, gateways.map((g) => h('tr', {},
          h('td', {}, g.gateway), h('td', {}, g.site), h('td', {}, g.state), h('td', {}, g.version),
          h('td', {}, String(g.queued)), h('td', {}, fmtTime(g.time_ms)))))));
    }
    clear(devicesEl, parts.length ? parts : h('p', { class: 'muted' }, 'No device or gateway known yet.'));
  };
  loadAlerts();
  loadDevices();
  return null;
}
