// The API as the page uses it: same origin, the session cookie (HttpOnly, the page never
// sees it), and the CSRF token from the login or GET /account on every state change.

let csrf = '';
let onUnauthenticated = () => {};

export function setCsrf(token) { csrf = token || ''; }
export function onSessionLost(fn) { onUnauthenticated = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = csrf;
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body || {});
  }
  const res = await fetch(path, init);
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.startsWith('application/json')) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (res.status === 401 && !path.startsWith('/login')) onUnauthenticated();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);

// Path segments are ids of [A-Za-z0-9._-] (the route table refuses anything else).
export function seg(s) {
  const v = String(s);
  if (!/^[A-Za-z0-9._-]+$/.test(v) || v === '.' || v === '..') throw new Error('bad id');
  return v;
}
