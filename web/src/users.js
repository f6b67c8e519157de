// Staff accounts (admins): the list and a form to create one.
import { get, post, ApiError } from './api.js';
import { h, clear, say } from './dom.js';

const ROLES = ['nurse', 'doctor', 'auditor', 'admin'];

export async function render(main) {
  const list = h('div');
  const f = (id, label, attrs) => h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, ...attrs }));
  const role = h('select', { id: 'new-role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const form = h('form', { class: 'card', 'aria-labelledby': 'nu' }, h('h2', { id: 'nu' }, 'New account'),
    f('new-id', 'User name ([a-z0-9._-])', { type: 'text', required: true, pattern: '[a-z0-9._\\-]{1,64}', autocomplete: 'off' }),
    f('new-name', 'Display name', { type: 'text', maxlength: 200 }),
    h('div', { class: 'field' }, h('label', { for: 'new-role' }, 'Role'), role),
    f('new-ward', 'Ward (on duty for the next 12 hours)', { type: 'text', maxlength: 64 }),
    f('new-password', 'Initial password (12 characters or more)', { type: 'password', autocomplete: 'new-password', required: true }),
    h('button', { type: 'submit', class: 'primary' }, 'Create'));
  clear(main, h('h1', {}, 'Users'), list, form);
  const load = async () => {
    let r;
    try { r = await get('/admin/users'); } catch { clear(list, h('p', { class: 'error' }, 'Users cannot be read.')); return; }
    clear(list, h('table', { id: 'users-table' },
      h('thead', {}, h('tr', {}, ['User', 'Name', 'Role', 'Wards', 'State'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, r.users.map((u) => h('tr', {},
        h('td', {}, u.user_id), h('td', {}, u.display_name), h('td', {}, u.role),
        h('td', {}, u.wards.map((w) => w.unit).join(', ') || '—'),
        h('td', {}, u.disabled ? '⊘ disabled' : '✔ active'))))));
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      user_id: form.querySelector('#new-id').value.trim(),
      display_name: form.querySelector('#new-name').value,
      role: role.value,
      password: form.querySelector('#new-password').value,
    };
    const ward = form.querySelector('#new-ward').value.trim();
    if (ward) body.wards = [{ unit: ward, start_ms: Date.now(), end_ms: Date.now() + 12 * 3600e3 }];
    try {
      await post('/admin/users', body);
      say(`Account ${body.user_id} created.`);
      form.reset();
      load();
    } catch (e) {
      say(e instanceof ApiError && e.status === 409 ? 'That user exists already.' : `Not created: ${e.message}`, 'error');
    }
  });
  load();
  return null;
}
