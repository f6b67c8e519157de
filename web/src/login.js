// Sign-in: the password, then, when the account has a second factor, its TOTP or a
// recovery code (POST /login answers {mfa_required, mfa_ticket}; POST /login/mfa finishes).
import { post, setCsrf, ApiError } from './api.js';
import { h, clear, say } from './dom.js';

function field(id, label, attrs) {
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, ...attrs }));
}

function message(e) {
  if (!(e instanceof ApiError)) return 'The server cannot be reached.';
  if (e.status === 401 && e.body.error === 'invalid_code') return 'That code is not valid. Try the current one.';
  if (e.status === 401) return 'Wrong user name or password.';
  if (e.status === 429) return 'Too many attempts. Wait a moment, then try again.';
  if (e.status === 403) return 'The request was refused.';
  return 'Sign-in failed. Try again.';
}

export function render(main, ctx, done) {
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const passwordStep = () => {
    const form = h('form', { class: 'card narrow', 'aria-labelledby': 'login-title', novalidate: true },
      h('h1', { id: 'login-title' }, 'Sign in'),
      field('user', 'User name', { type: 'text', autocomplete: 'username', required: true, maxlength: 128 }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
      error,
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(error);
      const user = form.querySelector('#user').value;
      const password = form.querySelector('#password').value;
      try {
        const r = await post('/login', { user, password });
        if (r && r.mfa_required) { codeStep(r.mfa_ticket); return; }
        setCsrf(r.csrf_token);
        say(`Signed in as ${r.display_name || r.user_id}.`);
        await done();
      } catch (e) {
        clear(error, message(e));
      }
    });
    clear(main, form);
    form.querySelector('#user').focus();
  };
  const codeStep = (ticket) => {
    const form = h('form', { class: 'card narrow', 'aria-labelledby': 'mfa-title' },
      h('h1', { id: 'mfa-title' }, 'Second factor'),
      h('p', {}, 'Enter the 6-digit code from your authenticator app, or a recovery code.'),
      field('code', 'Code', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: 32 }),
      error,
      h('button', { type: 'submit', class: 'primary' }, 'Verify'),
      h('button', { type: 'button', onclick: passwordStep }, 'Back'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(error);
      try {
        const r = await post('/login/mfa', { mfa_ticket: ticket, code: form.querySelector('#code').value.trim() });
        setCsrf(r.csrf_token);
        say(`Signed in as ${r.display_name || r.user_id}.`);
        await done();
      } catch (e) {
        clear(error, message(e));
        form.querySelector('#code').select();
      }
    });
    clear(main, form);
    form.querySelector('#code').focus();
  };
  passwordStep();
}
