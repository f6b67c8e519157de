// DOM building without HTML parsing: every text goes through textContent, every
// attribute through setAttribute from a fixed list. No data is ever parsed as HTML (the
// page's Content-Security-Policy enforces it with Trusted Types).

const ATTRS = new Set([
  'id', 'class', 'type', 'for', 'name', 'value', 'min', 'max', 'step', 'required',
  'autocomplete', 'inputmode', 'pattern', 'maxlength', 'placeholder', 'role', 'tabindex',
  'title', 'colspan', 'scope', 'hidden', 'disabled', 'lang', 'datetime', 'rows',
]);

// h('p', {class: 'x', 'aria-label': 'y', onclick: fn}, 'text', child, [children]...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'href') {
      // In-app links only: a data value can never become a javascript: or foreign URL.
      const s = String(v);
      if (s.startsWith('#/')) el.setAttribute('href', s);
    } else if (ATTRS.has(k) || k.startsWith('aria-') || k.startsWith('data-')) {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { hour12: false });
}

export function fmtClock(ms) {
  if (!ms) return '—';
  return new Date(ms).toLocaleTimeString(undefined, { hour12: false });
}

// A message for the screen reader and the eye; errors stay until the next one.
export function say(text, kind = 'info') {
  const el = document.getElementById('status');
  clear(el, h('span', { class: `msg ${kind}` }, kind === 'error' ? '⚠ ' : 'ℹ ', text));
}
