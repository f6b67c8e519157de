// The dashboard's shell: who is signed in (GET /account), the views their role may open,
// and a hash router (#/ward/icu, #/patient/12, ...). Every view is a module with
// `render(main, ctx)` returning an optional cleanup function.
import { get, post, setCsrf, onSessionLost, ApiError } from './api.js';
import { h, clear, say } from './dom.js';
import * as login from './login.js';
import * as ward from './ward.js';
import * as patient from './patient.js';
import * as security from './security.js';
import * as auditView from './audit.js';
import * as users from './users.js';

const ctx = { account: null };
let cleanup = null;

const CLINICIANS = new Set(['nurse', 'doctor']);

// The views a role sees in the menu; the API decides what each may really read.
function viewsFor(account) {
  const v = [];
  if (!account) return v;
  if (CLINICIANS.has(account.role)) {
    for (const w of account.wards_on_duty.length ? account.wards_on_duty : account.wards)
      v.push({ href: `#/ward/${w}`, label: `Ward ${w}` });
  }
  if (account.role === 'admin') {
    v.push({ href: '#/security', label: 'Security' });
    v.push({ href: '#/users', label: 'Users' });
  }
  if (account.role === 'auditor') v.push({ href: '#/audit', label: 'Audit' });
  return v;
}

function renderChrome() {
  const nav = document.getElementById('nav');
  const views = viewsFor(ctx.account);
  clear(nav, views.map((v) =>
    h('a', { href: v.href, 'aria-current': location.hash === v.href ? 'page' : null }, v.label)));
  const who = document.getElementById('who');
  const out = document.getElementById('logout');
  if (ctx.account) {
    clear(who, `${ctx.account.display_name || ctx.account.user_id} · ${ctx.account.role}`);
    out.hidden = false;
  } else {
    clear(who);
    out.hidden = true;
  }
}

function defaultRoute() {
  const v = viewsFor(ctx.account);
  return v.length ? v[0].href : '#/login';
}

async function loadAccount() {
  try {
    ctx.account = await get('/account');
    setCsrf(ctx.account.csrf_token);
  } catch (e) {
    ctx.account = null;
    setCsrf('');
    if (!(e instanceof ApiError) || e.status !== 401) say('The server cannot be reached.', 'error');
  }
}

async function route() {
  if (cleanup) { try { cleanup(); } catch { /* a view's cleanup never stops navigation */ } }
  cleanup = null;
  const main = document.getElementById('main');
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  if (!ctx.account && parts[0] !== 'login') { location.replace('#/login'); return; }
  renderChrome();
  const r = {
    login: () => login.render(main, ctx, signedIn),
    ward: () => ward.render(main, ctx, parts[1]),
    patient: () => patient.render(main, ctx, parts[1]),
    security: () => security.render(main, ctx),
    audit: () => auditView.render(main, ctx),
    users: () => users.render(main, ctx),
  }[parts[0]];
  if (!r || (parts[0] === 'login' && ctx.account)) {
    location.replace(defaultRoute());
    return;
  }
  cleanup = (await r()) || null;
  main.focus({ preventScroll: true });
}

async function signedIn() {
  await loadAccount();
  location.hash = defaultRoute();
  renderChrome();
}

async function signOut() {
  try { await post('/logout', {}); } catch { /* the session ends here either way */ }
  ctx.account = null;
  setCsrf('');
  location.hash = '#/login';
}

onSessionLost(() => {
  if (!ctx.account) return;
  ctx.account = null;
  say('Your session has ended; sign in again.', 'error');
  location.hash = '#/login';
});

window.addEventListener('hashchange', route);
document.getElementById('logout').addEventListener('click', signOut);
await loadAccount();
route();
