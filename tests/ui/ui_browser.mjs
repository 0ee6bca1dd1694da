// Drives reship-back's dashboard in headless Chromium (Debian's chromium,
// through playwright-core): what a person would do, with a deadline on each
// wait and no fixed sleep. Run by tests/ui/ui_test.cpp against real daemons.
//
//   node ui_browser.mjs URL TOKEN SCREENSHOT_DIR CHROMIUM
//
// Prints "ok: ..." per check and "measure: ..." lines; exits 1 on the first
// failure.
import {chromium} from 'playwright-core';
import path from 'node:path';

const [url, token, shots, executable] = process.argv.slice(2);
const timeout = 30000;

function ok(what) { console.log('ok: ' + what); }
function fail(what) { console.log('FAIL: ' + what); process.exitCode = 1; throw new Error(what); }

async function api(method, route, body) {
  const r = await fetch(url + route, {method, headers: {Authorization: 'Bearer ' + token, 'Content-Type': 'application/json'},
                                      body: body ? JSON.stringify(body) : undefined});
  return {status: r.status, body: await r.json()};
}

async function waitFor(what, fn, ms = timeout) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) fail('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const browser = await chromium.launch({executablePath: executable, headless: true,
                                       args: ['--no-sandbox', '--disable-dev-shm-usage']});
try {
  const context = await browser.newContext({viewport: {width: 1200, height: 860}, colorScheme: 'light', acceptDownloads: true});
  const page = await context.newPage();
  const cspErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') cspErrors.push(m.text()); });
  page.on('pageerror', (e) => cspErrors.push(String(e)));

  const main = await page.goto(url + '/');
  const headers = main.headers();
  if (!headers['content-security-policy'] || headers['content-security-policy'].includes('unsafe-inline')) {
    fail('the page has no strict Content-Security-Policy: ' + headers['content-security-policy']);
  }
  if (headers['x-content-type-options'] !== 'nosniff' || headers['x-frame-options'] !== 'DENY') fail('headers missing');
  ok('/ is served with a Content-Security-Policy without unsafe-inline, nosniff and DENY');
  await page.waitForLoadState('load');
  // First load: the page and its files, bytes as transferred (headers too).
  const sizes = await page.evaluate(() => [...performance.getEntriesByType('navigation'),
                                           ...performance.getEntriesByType('resource')]
    .filter((e) => new URL(e.name).pathname === '/' || new URL(e.name).pathname.startsWith('/ui/'))
    .map((e) => [new URL(e.name).pathname, e.transferSize]));
  const firstLoad = sizes.reduce((n, [, size]) => n + size, 0);
  console.log('measure: first load ' + firstLoad + ' bytes (' + sizes.map(([p, n]) => p + ' ' + n).join(', ') + ')');
  if (sizes.length < 3) fail('the first load fetched ' + sizes.length + ' files');
  if (firstLoad > 100 * 1024) fail('first load over 100 KB');

  // Without a token the API refuses; with it the deploys list appears.
  await waitFor('the token request', async () => (await page.textContent('#token-state')).includes('token'));
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#deploy-buttons button[data-scope="quick"]', {timeout});
  ok('the token opened the deploys view');
  if (!(await page.evaluate(() => sessionStorage.getItem('reship.token')))) fail('token not in sessionStorage');

  // 1. A deploy from its button: live lines, then succeeded.
  await page.click('#deploy-buttons button[data-scope="quick"]');
  await waitFor('the outcome of the deploy button', async () => (await page.textContent('#deploy-outcome')).includes('d-'));
  const quickId = (await page.textContent('#deploy-outcome')).match(/d-[0-9a-f-]+/)[0];
  await page.waitForSelector(`tr[data-id="${quickId}"]`, {timeout});
  await page.click(`tr[data-id="${quickId}"] a`);
  await waitFor('log lines while building', async () => {
    const n = Number(await page.getAttribute('#log', 'data-lines') || 0);
    const status = await page.textContent('#deploy-status');
    return n >= 2 && status === 'building';
  });
  ok('log lines arrived live while the deploy was building');
  await waitFor('succeeded', async () => (await page.textContent('#deploy-status')) === 'succeeded');
  await waitFor('the restarts table', async () => (await page.$('#restart-table')) !== null);
  const coloured = await page.$$eval('#log .row span.fg32', (s) => s.length);
  if (!coloured) fail('the ANSI green line is not rendered in colour');
  const stderrRows = await page.$$eval('#log .row.stderr', (s) => s.length);
  if (!stderrRows) fail('no stderr line is marked');
  const escapeShown = await page.$$eval('#log .row', (rows) => rows.some((r) => r.textContent.includes('\x1b')));
  if (escapeShown) fail('an escape sequence is shown raw');
  const injected = await page.$('#log img, #log b');
  if (injected) fail('server text was rendered as HTML');
  ok('the deploy succeeded; ANSI colours rendered, stderr marked, HTML in a line shown as text');
  await page.screenshot({path: path.join(shots, 'dashboard-deploy.png')});

  // 2. A failing build: the diagnostic's file:line.
  await page.goto(url + '/#/deploys');
  await page.click('#deploy-buttons button[data-scope="broken"]');
  await waitFor('the broken deploy', async () => (await page.textContent('#deploy-outcome')).includes('d-'));
  const brokenId = (await page.textContent('#deploy-outcome')).match(/d-[0-9a-f-]+/)[0];
  await page.goto(url + '/#/deploy/' + brokenId);
  await waitFor('failed', async () => (await page.textContent('#deploy-status')) === 'failed');
  await page.waitForSelector('#diagnostics .loc', {timeout});
  const loc = await page.textContent('#diagnostics .loc');
  if (!loc.startsWith('src/app.ts:3')) fail('diagnostic location is ' + loc);
  ok('the failed deploy shows its diagnostic at ' + loc);

  // 3. Cancel a slow one.
  const slow = await api('POST', '/api/v1/deploys', {scope: 'slow'});
  await page.goto(url + '/#/deploy/' + slow.body.deployId);
  await waitFor('the slow build running', async () => Number(await page.getAttribute('#log', 'data-lines') || 0) >= 2);
  await page.click('#cancel');
  await waitFor('cancelled', async () => (await page.textContent('#deploy-status')) === 'cancelled');
  ok('the cancel button cancelled the slow deploy');

  // 4. The connection cut mid-log: it resumes with no gap and no duplicate.
  const counted = await api('POST', '/api/v1/deploys', {scope: 'counted'});
  await page.goto(url + '/#/deploy/' + counted.body.deployId);
  await waitFor('the first 50 lines', async () => Number(await page.getAttribute('#log', 'data-lines') || 0) >= 50);
  const before = await page.evaluate(() => window.reship.reconnects());
  await page.evaluate(() => window.reship.dropStreams());
  await waitFor('a reconnect', async () => (await page.evaluate(() => window.reship.reconnects())) > before);
  await waitFor('the counted deploy to end', async () => (await page.textContent('#deploy-status')) === 'succeeded', 60000);
  await waitFor('the log stream to end', async () => (await page.textContent('#stream-state')) === 'ended');
  const texts = await page.evaluate(() => window.reship.log.lines.map((l) => l.text));
  const numbered = texts.filter((t) => /^count \d+$/.test(t)).map((t) => Number(t.slice(6)));
  for (let i = 0; i < 400; i++) {
    if (numbered[i] !== i + 1) fail(`after the reconnect, line ${i + 1} is ${numbered[i]} (${numbered.length} lines)`);
  }
  if (numbered.length !== 400) fail(numbered.length + ' counted lines, not 400');
  ok('the cut stream resumed: 400 lines, none missing, none twice');

  // 5. Services: a restart gives new pids.
  await page.goto(url + '/#/services');
  await page.waitForSelector('tr[data-service="web"] .pid', {timeout});
  const pid = await page.textContent('tr[data-service="web"] .pid');
  await page.click('button[data-restart-scope="quick"]');
  await waitFor('a new pid for web', async () => {
    const now = await page.textContent('tr[data-service="web"] .pid');
    return now && now !== pid;
  });
  ok('the services view shows a new pid for web after the restart (' + pid + ' → ' +
     (await page.textContent('tr[data-service="web"] .pid')) + ')');
  const pid2 = await page.textContent('tr[data-service="web"] .pid');
  await page.click('button[data-restart-service="web"]');
  await waitFor('another new pid for web', async () => {
    const now = await page.textContent('tr[data-service="web"] .pid');
    return now && now !== pid2 && now !== pid;
  });
  ok('the restart button of service web gave it a new pid (' + pid2 + ' → ' +
     (await page.textContent('tr[data-service="web"] .pid')) + ')');
  await page.screenshot({path: path.join(shots, 'dashboard-services.png')});

  // 6. 100,000 lines: the whole log of a finished deploy in the page.
  const big = await api('POST', '/api/v1/self/deploy', {scope: 'big'});
  if (big.body.status !== 'succeeded') fail('the big deploy ' + big.body.status);
  const started = Date.now();
  await page.goto(url + '/#/deploy/' + big.body.deployId);
  await waitFor('100,000 lines', async () => Number(await page.getAttribute('#log', 'data-lines') || 0) >= 100000, 120000);
  const rendered = Date.now() - started;
  const rows = await page.$$eval('#log .row', (r) => r.length);
  console.log('measure: 100000-line log in the page in ' + rendered + ' ms (' + rows + ' rows in the DOM)');
  if (rows > 500) fail('the log is not virtualised: ' + rows + ' rows');
  // "/" focuses the search; it finds a line far up and scrolls to it.
  await page.focus('#log');
  await page.keyboard.press('/');
  if ((await page.evaluate(() => document.activeElement.id)) !== 'log-search') fail('"/" does not focus the search');
  await page.keyboard.type('line 4242x');
  await page.press('#log-search', 'Enter');
  await waitFor('the match shown', async () => (await page.$$eval('#log .row.current', (r) => r.map((x) => x.textContent))).some((t) => t.startsWith('line 4242x')));
  ok('search found line 4242 of 100,000 and scrolled to it');

  // The chart: a line per scope, failures marked.
  await page.goto(url + '/#/chart');
  await page.waitForSelector('svg.chart circle', {timeout});
  const lines = await page.$$eval('svg.chart polyline', (p) => p.length);
  const failures = await page.$$eval('svg.chart circle.fail', (c) => c.length);
  if (lines < 4 || failures < 2) fail(`the chart has ${lines} lines and ${failures} failures`);
  ok(`the chart shows ${lines} scopes and ${failures} failed or cancelled deploys`);

  // The dashboard at phone width, dark.
  const phone = await browser.newContext({viewport: {width: 390, height: 800}, colorScheme: 'dark'});
  const p2 = await phone.newPage();
  await p2.goto(url + '/');
  await p2.evaluate((t) => sessionStorage.setItem('reship.token', t), token);
  await p2.goto(url + '/#/deploys');
  await p2.waitForSelector('tr[data-id]', {timeout});
  await p2.screenshot({path: path.join(shots, 'dashboard-phone-dark.png')});
  const width = await p2.evaluate(() => document.documentElement.scrollWidth);
  if (width > 420) fail('the deploys view is ' + width + ' px wide at phone width');
  ok('the deploys view fits a phone (' + width + ' px), dark');
  await phone.close();

  const policyErrors = cspErrors.filter((e) => /Content Security Policy|Refused/.test(e));
  if (policyErrors.length) fail('the page broke its own policy: ' + policyErrors.join('; '));
  ok('no Content-Security-Policy violation');
} catch (e) {
  if (!process.exitCode) {
    console.log('FAIL: ' + (e.stack || e));
    process.exitCode = 1;
  }
} finally {
  await browser.close();
}
