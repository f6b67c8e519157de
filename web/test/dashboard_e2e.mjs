// The dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core)
// against a real `vigil cloud serve` that tests/e2e/dashboard.sh started. Readings,
// alarms and alerts arrive by the HTTPS ingest as a gateway sends them.
//
// Environment: VIGIL_BASE (https://localhost:PORT), VIGIL_CA (the local CA's certificate),
// VIGIL_API_KEY (gw-01's ingest key), VIGIL_ARTIFACTS (screenshots), VIGIL_PATIENTS (JSON
// {ada, xss, alan}), VIGIL_CHROMIUM (the browser), the passwords in VIGIL_PW_*.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';

const BASE = process.env.VIGIL_BASE;
const CA = fs.readFileSync(process.env.VIGIL_CA);
const KEY = process.env.VIGIL_API_KEY;
const ART = process.env.VIGIL_ARTIFACTS;
const P = JSON.parse(process.env.VIGIL_PATIENTS);
const XSS_NAME = '<img src=x onerror="window.__xss=1">Eve';
let passed = 0;
let failed = 0;
const failures = [];

function check(cond, what) {
  if (cond) { passed++; console.log(`ok - ${what}`); }
  else { failed++; failures.push(what); console.log(`not ok - ${what}`); }
}

// One HTTPS request with the local CA; resolves {status, headers, body}.
function request(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: CA }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

let seq = 1000;
function line(kind, fields) {
  const t = fields.time_ms ?? Date.now();
  const s = seq++;
  return JSON.stringify({
    v: 1, id: `gw-01/00000000000000aa/${s}`, kind, site: 'site-a', gateway: 'gw-01',
    stream: '00000000000000aa', seq: s, time: new Date(t).toISOString(), time_ms: t, ...fields,
  });
}
const reading = (pseudonym, vital, value, unit, time_ms) => line('telemetry', {
  pseudonym, ward: 'icu', device_kind: 'pulse_oximeter', vital, value, unit, quality: 'valid', time_ms,
});
async function ingest(lines) {
  const r = await request('POST', `${BASE}/ingest/v1/messages`, {
    headers: { Authorization: `ApiKey ${KEY}`, 'Content-Type': 'application/x-ndjson' },
    body: lines.join('\n') + '\n',
  });
  if (r.status !== 200) throw new Error(`ingest ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const browser = await chromium.launch({
  executablePath: process.env.VIGIL_CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

// A context per person; every page records CSP violations, errors and dialogs.
const violations = [];
const consoleErrors = [];
const dialogs = [];
async function person() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__csp = window.__csp || []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    // Only the dashboard's own pages count: a page elsewhere that tries to frame it logs
    // the frame-ancestors refusal, which is the defence working.
    const mine = page.url().startsWith(BASE);
    if (m.type() === 'error' && /Content Security Policy|Trusted Type/i.test(m.text())) {
      if (mine) violations.push(m.text());
    }
    else if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  return { context, page };
}
async function signIn(page, user, password) {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#user');
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}
// Polls a condition in the page. (page.waitForFunction compiles its predicate from a
// string, which the page's policy rightly refuses: no eval.)
async function waitUntil(page, fn, arg, timeout = 10000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await page.evaluate(fn, arg).catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${String(fn).slice(0, 120)}`);
}
const shot = (page, name) => page.screenshot({ path: path.join(ART, `${name}.png`), fullPage: true });

try {
  // --- The page's own headers.
  const root = await request('GET', `${BASE}/`);
  const csp = root.headers['content-security-policy'] || '';
  check(root.status === 200 && /text\/html/.test(root.headers['content-type']), 'GET / serves the page');
  check(/script-src 'self'/.test(csp) && !/unsafe-inline|unsafe-eval/.test(csp), 'the page CSP allows only its own scripts');
  check(/frame-ancestors 'none'/.test(csp) && root.headers['x-frame-options'] === 'DENY', 'the page refuses every frame');
  check(/max-age=/.test(root.headers['strict-transport-security'] || ''), 'HSTS on the page');
  check(root.headers['cross-origin-opener-policy'] === 'same-origin' && root.headers['referrer-policy'] === 'no-referrer'
    && root.headers['x-content-type-options'] === 'nosniff', 'COOP, Referrer-Policy, nosniff on the page');
  const apiAnswer = await request('GET', `${BASE}/api/wards/icu/latest`);
  check(apiAnswer.status === 401 && /default-src 'none'/.test(apiAnswer.headers['content-security-policy'] || '')
    && apiAnswer.headers['cross-origin-opener-policy'] === 'same-origin', 'an API answer carries the strict headers too');
  const js = await request('GET', `${BASE}/assets/app.js`);
  check(js.status === 200 && /text\/javascript/.test(js.headers['content-type']) && js.headers.etag, 'a module with its type and ETag');
  const again = await request('GET', `${BASE}/assets/app.js`, { headers: { 'If-None-Match': js.headers.etag } });
  check(again.status === 304, 'an unchanged module gets 304');
  for (const p of ['/assets/../../etc/passwd', '/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/nothing.js']) {
    const r = await request('GET', `${BASE}${p}`);
    check(r.status === 404 && !/root:/.test(r.body), `traversal or unknown file ${p} is 404`);
  }
  // Open redirect: nothing redirects anywhere.
  for (const p of ['//evil.example/', '/login?next=https://evil.example', '/?redirect=https://evil.example', '/\\evil.example']) {
    const r = await request('GET', `${BASE}${p}`);
    check(!(r.status >= 300 && r.status < 400) && !r.headers.location, `no redirect for ${p} (${r.status})`);
  }

  // --- The nurse: her ward only, live, an alarm, XSS in data.
  const nurse = await person();
  let page = nurse.page;
  await signIn(page, 'nurse.joy', process.env.VIGIL_PW_NURSE);
  await page.waitForSelector('#beds .bed', { timeout: 15000 });
  await page.waitForSelector('.live.on', { timeout: 15000 });
  const names = await page.$$eval('#beds .bed .name', (els) => els.map((e) => e.textContent));
  check(names.includes('Ada Lovelace'), 'the nurse sees Ada in her ward');
  check(names.includes(XSS_NAME), 'a display name full of markup is shown as text');
  check(!names.includes('Alan Turing'), 'the nurse does not see the other ward\'s patient');
  check(await page.evaluate(() => document.querySelectorAll('#beds img').length) === 0, 'no element was made from the name');
  const navLinks = await page.$$eval('#nav a', (els) => els.map((e) => e.textContent));
  check(navLinks.length === 1 && navLinks[0] === 'Ward icu', 'her menu names only her ward');
  await shot(page, '01-nurse-ward');

  // Live: each reading reaches the page without a reload; time from the ingest request
  // to the DOM change, seen by a MutationObserver in the page.
  const sel = `article[data-patient="${P.ada}"] .value[data-vital="spo2"]`;
  const lat = [];
  for (let i = 0; i < 20; i++) {
    const v = 90 + (i % 7);
    const t = Date.now();
    // A MutationObserver in the page stamps the change (installed before the ingest).
    const wait = page.evaluate(([s, tm]) => new Promise((resolve, reject) => {
      const done = () => document.querySelector(s)?.getAttribute('data-time-ms') === String(tm);
      if (done()) { resolve(Date.now()); return; }
      const mo = new MutationObserver(() => { if (done()) { mo.disconnect(); resolve(Date.now()); } });
      mo.observe(document.getElementById('beds'), { subtree: true, attributes: true, childList: true, characterData: true });
      setTimeout(() => { mo.disconnect(); reject(new Error('no live update within 10 s')); }, 10000);
    }), [sel, t]);
    await ingest([reading('p-ada', 'spo2', v, '%', t)]);
    const seen = await wait;
    lat.push(seen - t);
  }
  const shown = await page.textContent(sel);
  check(/^9\d %/.test(shown), `the live SpO2 is shown (${shown})`);
  console.log(`figure: ingest-to-DOM latency p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${Math.max(...lat)} ms (n=${lat.length})`);
  check(lat.length === 20, 'twenty live updates arrived');

  // Deterioration: SpO2 falls, the gateway raises an alarm, the nurse acknowledges it,
  // then silences it.
  const t = Date.now();
  await ingest([
    reading('p-ada', 'spo2', 84, '%', t),
    line('alarm', {
      alarm_id: 'spo2-low-1', state: 'raised', priority: 'high', condition: 'spo2_low', technical: false,
      pseudonym: 'p-ada', ward: 'icu', device_kind: 'pulse_oximeter', vital: 'spo2', value: 84, unit: '%',
      message: 'SpO2 below 85 % for 15 s', time_ms: t,
    }),
  ]);
  const alarmSel = '#alarms li.alarm[data-alarm="gw-01/spo2-low-1"]';
  await page.waitForSelector(alarmSel, { timeout: 10000 });
  check(/HIGH priority/.test(await page.textContent(alarmSel)), 'the alarm says its priority in words');
  check(/not acknowledged/.test(await page.textContent(alarmSel)), 'the alarm is shown unacknowledged');
  const news = await page.textContent(`article[data-patient="${P.ada}"] .news2`);
  check(/NEWS2 ≥ [3-9]/.test(news), `NEWS2 rises with the low SpO2 (${news.trim()})`);
  await shot(page, '02-nurse-alarm');
  await page.click(`${alarmSel} button:has-text("Acknowledge")`);
  await waitUntil(page, (s) => /acknowledged by nurse\.joy/.test(document.querySelector(s)?.textContent || ''), alarmSel);
  check(true, 'the nurse acknowledged the alarm');
  await page.selectOption(`${alarmSel} select`, '10');
  await page.click(`${alarmSel} button:has-text("Silence")`);
  await waitUntil(page, (s) => /silenced until/.test(document.querySelector(s)?.textContent || ''), alarmSel);
  check(true, 'the nurse silenced the alarm for 10 minutes');
  await shot(page, '03-nurse-alarm-acknowledged');
  // Keyboard: the acknowledge buttons are reachable with Tab.
  await page.focus('#main');
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.textContent === 'Silence');
  }
  check(reached, 'the alarm actions are reachable by keyboard');

  // XSS in a note, on the patient view.
  await page.click(`article[data-patient="${P.xss}"] a`);
  await page.waitForSelector('#note-text');
  const payloads = ['<img src=x onerror="window.__xss=2">', '<script>window.__xss=3</script>', '"><svg onload=alert(1)>'];
  for (const p of payloads) {
    await page.fill('#note-text', p);
    await page.click('.note-form button[type=submit]');
    await waitUntil(page, (txt) => [...document.querySelectorAll('.note-text')].some((e) => e.textContent === txt), p);
  }
  check(await page.evaluate(() => window.__xss === undefined), 'no XSS payload ran (name or notes)');
  check(await page.evaluate(() => document.querySelectorAll('main img, main script, main svg').length) === 0, 'no element came from a note');
  const provenance = await page.textContent('main');
  check(/Latest readings and their provenance/.test(provenance), 'the patient view shows provenance');
  await shot(page, '04-patient-xss-notes');
  await page.goto(`${BASE}/#/patient/${P.ada}`);
  await page.waitForSelector('table td:has-text("gw-01")', { timeout: 10000 });
  await page.waitForSelector('.trend .chart canvas', { timeout: 10000 });
  check(true, 'Ada\'s trends and provenance (gateway gw-01) are shown');
  await shot(page, '05-patient-trends');
  // Another ward's patient by URL: refused by the API, said on the page.
  await page.goto(`${BASE}/#/patient/${P.alan}`);
  await page.waitForSelector('main .error', { timeout: 10000 });
  check(/may not open this patient/.test(await page.textContent('main .error')), 'another ward\'s patient is refused');

  // CSRF: the nurse's own page without the token, a forged page on another origin, and a
  // request with the right cookie and token but another Origin.
  const noToken = await page.evaluate(async (id) => (await fetch(`/api/patients/${id}/notes`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"no token"}',
  })).status, P.ada);
  check(noToken === 403, `a POST without the CSRF token is refused (${noToken})`);
  const attacker = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    if (req.url === '/frame') {
      res.end(`<iframe id="f" src="${BASE}/" width="800" height="600"></iframe>`);
      return;
    }
    res.end(`<form id="f" method="POST" action="${BASE}/api/patients/${P.ada}/notes" enctype="text/plain">` +
      `<input name='{"text":"forged","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
  const evil = `http://127.0.0.1:${attacker.address().port}`;
  await page.goto(`${evil}/csrf`);
  await page.waitForLoadState('load');
  await page.waitForTimeout(500);
  const cookies = await nurse.context.cookies(BASE);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const acct = await request('GET', `${BASE}/account`, { headers: { Cookie: cookie } });
  const token = JSON.parse(acct.body).csrf_token;
  const crossOrigin = await request('POST', `${BASE}/api/patients/${P.ada}/notes`, {
    headers: { Cookie: cookie, 'X-CSRF-Token': token, 'Content-Type': 'application/json', Origin: 'https://evil.example' },
    body: '{"text":"cross-origin"}',
  });
  check(crossOrigin.status === 403 && /cross-origin/.test(crossOrigin.body), 'the right token from another origin is refused');
  const notes = JSON.parse((await request('GET', `${BASE}/api/patients/${P.ada}/notes`, { headers: { Cookie: cookie } })).body);
  check(!notes.notes.some((n) => /forged|cross-origin|no token/.test(n.text)), 'no forged note was stored');
  // Clickjacking: a page elsewhere cannot frame the dashboard.
  await page.goto(`${evil}/frame`);
  await page.waitForTimeout(1500);
  const framed = page.frames().find((f) => f !== page.mainFrame());
  const framedMain = framed ? await framed.$('#main').catch(() => null) : null;
  check(!framedMain, 'the dashboard does not render inside another site\'s frame');
  await shot(page, '06-clickjacking-refused');
  // A hash that is not a view goes to the default view, on this origin.
  await page.goto(`${BASE}/#//evil.example`);
  await page.waitForTimeout(800);
  check(new URL(page.url()).origin === new URL(BASE).origin, 'a crafted hash stays on the dashboard');
  attacker.close();

  // --- The admin: the security view.
  const example = JSON.parse(fs.readFileSync(process.env.VIGIL_SECURITY_EXAMPLE, 'utf8'));
  const { v: _v, id: _id, kind: _k, site: _s, gateway: _g, stream: _st, seq: _q, time: _t, time_ms: _tm, ...alert } = example;
  await ingest([line('security', alert)]);
  const admin = await person();
  page = admin.page;
  await signIn(page, 'admin', process.env.VIGIL_PW_ADMIN);
  await page.waitForSelector('#alerts-table', { timeout: 15000 });
  const alertText = await page.textContent('#alerts-table');
  check(/impersonation/.test(alertText), 'the admin sees the gateway\'s intrusion alert');
  await page.click('#alerts-table button:has-text("Acknowledge")');
  await waitUntil(page, () => /acknowledged by admin/.test(document.querySelector('#alerts-table')?.textContent || ''), null);
  check(true, 'the admin acknowledged the alert');
  await page.waitForSelector('#devices-table, #gateways-table, main p.muted', { timeout: 10000 });
  await shot(page, '07-admin-security');
  await page.goto(`${BASE}/#/users`);
  await page.waitForSelector('#users-table');
  check(/nurse\.joy/.test(await page.textContent('#users-table')), 'the admin sees the users');
  await shot(page, '08-admin-users');
  const adminWard = await request('GET', `${BASE}/api/wards/icu/stream`, {
    headers: { Cookie: (await admin.context.cookies(BASE)).map((c) => `${c.name}=${c.value}`).join('; ') },
  });
  check(adminWard.status === 403, 'the admin cannot follow a ward\'s stream');

  // --- The auditor: the chain verified.
  const auditor = await person();
  page = auditor.page;
  await signIn(page, 'aud', process.env.VIGIL_PW_AUDITOR);
  await page.waitForSelector('#verdict .verdict', { timeout: 20000 });
  const verdict = await page.textContent('#verdict');
  check(/Chain verified/.test(verdict), `the auditor sees the chain verified (${verdict.trim()})`);
  await page.fill('#actor', 'nurse.joy');
  await page.click('form.inline button');
  await waitUntil(page, () => /live stream opened/.test(document.querySelector('#audit-table')?.textContent || ''), null);
  check(true, 'the nurse\'s stream open is in the audit log, under her name');
  await shot(page, '09-auditor-audit');

  // --- Console: no CSP violation anywhere.
  check(violations.length === 0, `no CSP violation in the console (${violations.join(' | ')})`);
  const cspEvents = [];
  for (const c of [nurse, admin, auditor]) {
    for (const pg of c.context.pages()) {
      try { cspEvents.push(...(await pg.evaluate(() => window.__csp || []))); } catch { /* a page elsewhere */ }
    }
  }
  check(cspEvents.length === 0, `no securitypolicyviolation event on the dashboard (${cspEvents.join(' | ')})`);
  check(dialogs.filter((d) => d === '1').length === 0, 'no injected alert() ran');
} catch (e) {
  failed++;
  failures.push(String(e && e.stack || e));
  console.log(`not ok - ${e && e.stack || e}`);
} finally {
  await browser.close();
}
if (consoleErrors.length) console.log(`console errors (not failures): ${consoleErrors.slice(0, 5).join(' | ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
