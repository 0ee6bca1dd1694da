// An agent's side of reship-back's /mcp, with the official MCP TypeScript
// SDK (Client + StreamableHTTPClientTransport, default request timeout):
//
//   node mcp_agent.mjs SCENARIO URL TOKEN
//
// Prints one "ok: ..." line per check and exits 0, or prints "FAIL: ..." and
// exits 1. tests/mcp/mcp_test.cpp runs it against a real reship-back under
// a real reship-supervisor and reads what it prints.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [scenario, url, token] = process.argv.slice(2);
// What common agent clients allow a tool call before they give up on it.
const CLIENT_CEILING_MS = 60_000;

function fail(message) {
  console.log(`FAIL: ${message}`);
  process.exit(1);
}
function check(condition, message) {
  if (!condition) fail(message);
  console.log(`ok: ${message}`);
}

async function connect() {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'reship-test-agent', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

// One tool call, timed, with its progress notifications collected.
async function call(client, name, args, options = {}) {
  const progress = [];
  const started = Date.now();
  const result = await client.callTool({ name, arguments: args }, undefined, {
    onprogress: (p) => progress.push(p),
    ...options,
  });
  return { result, progress, ms: Date.now() - started };
}

async function raw(body, headers = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function basics() {
  const client = await connect();
  check(client.getServerVersion()?.name === 'reship', 'initialize: the server is reship');

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  const expected = ['deploy', 'deploy_cancel', 'deploy_logs', 'deploy_status', 'deploy_wait', 'deploys', 'restart',
    'services'];
  check(JSON.stringify(names) === JSON.stringify(expected), `tools/list: ${names.join(', ')}`);
  check(tools.every((t) => t.inputSchema?.type === 'object' && t.outputSchema?.type === 'object'),
    'every tool has an inputSchema and an outputSchema');

  // A deploy that ends in a few seconds: one call, the outcome in it.
  const quick = await call(client, 'deploy', { scope: 'quick', reason: 'mcp test' });
  const q = quick.result.structuredContent;
  check(!quick.result.isError && q?.status === 'succeeded' && q?.ok === true,
    `deploy answered its outcome in one call (${q?.status}, ${quick.ms} ms)`);
  check(Array.isArray(q.restarts) && q.restarts.length === 1 && q.restarts[0].service === 'web',
    'the answer lists the restart of web');
  check(quick.result.content[0].text.includes('succeeded'), `its text says so: ${quick.result.content[0].text}`);

  // A failed build: errorSummary in structuredContent, for the model to fix.
  const broken = await call(client, 'deploy', { scope: 'broken' });
  const b = broken.result.structuredContent;
  check(b?.status === 'failed' && b?.ok === false, 'a failed build answers status failed');
  check(typeof b.errorSummary === 'string' && b.errorSummary.includes('TS2322'),
    `errorSummary names the error: ${JSON.stringify(b.errorSummary)}`);
  check(Array.isArray(b.diagnostics) && b.diagnostics.some((d) => d.file?.endsWith('app.ts') && d.line === 3),
    'diagnostics carry the file and line');

  // A scope the token may not deploy: a tool error with the HTTP API's words.
  const forbidden = await call(client, 'deploy', { scope: 'other' });
  check(forbidden.result.isError === true, 'a forbidden scope is a tool error');
  check(forbidden.result.content[0].text === 'token "agent" may not deploy scope "other" (its scopes: quick, broken, big, slow)',
    `with the HTTP API's message: ${forbidden.result.content[0].text}`);
  const unknown = await call(client, 'deploy', { scope: 'nope' });
  check(unknown.result.isError === true && unknown.result.content[0].text.startsWith('unknown scope "nope"; scopes: '),
    `an unknown scope lists the scopes: ${unknown.result.content[0].text}`);

  // A retried call with the same idempotencyKey joins the same deploy.
  const key = `key-${process.pid}-${Date.now()}`;
  const first = await call(client, 'deploy', { scope: 'quick', idempotencyKey: key, waitSeconds: 0 });
  const again = await call(client, 'deploy', { scope: 'quick', idempotencyKey: key });
  check(first.result.structuredContent.deployId === again.result.structuredContent.deployId,
    `a retry with the same idempotencyKey joined deploy ${first.result.structuredContent.deployId}`);
  const conflict = await call(client, 'deploy', { scope: 'broken', idempotencyKey: key });
  check(conflict.result.isError === true && conflict.result.content[0].text.includes('was first sent with another request'),
    'the same key with another request is a tool error');

  // A 16 MB log, paged in bounded answers.
  const big = await call(client, 'deploy', { scope: 'big', mode: 'build' });
  const bigId = big.result.structuredContent.deployId;
  check(big.result.structuredContent.status === 'succeeded', `the 16 MB build ran (${big.result.structuredContent.logBytes} bytes of log)`);
  check(big.result.structuredContent.logBytes > 16_000_000, 'its log is over 16 MB');
  let offset = 0;
  let nextLine = 1;
  let largest = 0;
  for (let page = 0; page < 25; ++page) {
    const r = await call(client, 'deploy_logs', { deployId: bigId, offset });
    const s = r.result.structuredContent;
    const answer = JSON.stringify(r.result).length;
    largest = Math.max(largest, answer);
    if (s.lines.length === 0 || s.lines[0].line !== nextLine) fail(`page ${page} starts at line ${s.lines[0]?.line}, not ${nextLine}`);
    nextLine = s.lines[s.lines.length - 1].line + 1;
    if (!(s.nextOffset > offset) || !s.more) fail(`page ${page}: nextOffset ${s.nextOffset} after ${offset}, more ${s.more}`);
    offset = s.nextOffset;
  }
  check(largest < 80_000, `25 pages in a row, line numbers continuous, the largest answer ${largest} characters (about ${Math.ceil(largest / 4)} tokens)`);
  const tail = await call(client, 'deploy_logs', { deployId: bigId, tail: 3 });
  const tailLines = tail.result.structuredContent.lines;
  check(tailLines.length === 3 && tailLines.at(-1).text.includes('deploy succeeded') &&
    tailLines.at(-1).line === tailLines[0].line + 2,
    `tail: the last 3 lines (${tailLines.map((l) => `${l.line}: ${l.text.slice(0, 40)}`).join(' | ')})`);
  // The build's line 4242 and its last line, found among 200,000.
  const grep = await call(client, 'deploy_logs', { deployId: bigId, grep: 'LINE 4242x|line 200000x' });
  const found = grep.result.structuredContent.lines;
  check(found.length === 2 && found[0].text.startsWith('line 4242x') && found[1].text.startsWith('line 200000x') &&
    found[1].line - found[0].line === 200000 - 4242,
    `grep: matching lines, case-insensitive, with their numbers (${found.map((l) => `${l.line}: ${l.text.slice(0, 14)}`).join(' | ')})`);
  const at = await call(client, 'deploy_logs', { deployId: bigId, offset: found[0].offset, limit: 1 });
  check(at.result.structuredContent.lines[0].line === found[0].line, 'a page from a grep hit\'s offset has its line number');
  check(JSON.stringify(grep.result).length < 80_000, 'a grep answer is bounded too');

  const services = await call(client, 'services', {});
  check(services.result.structuredContent.services.some((s) => s.name === 'web' && s.state === 'running'),
    'services: web is running');

  // The transport's own rules, with plain fetch.
  const older = await raw({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'old', version: '1' } } });
  check((await older.json()).result.protocolVersion === '2025-06-18', 'revision 2025-06-18 is spoken too');
  const foreign = await raw({ jsonrpc: '2.0', id: 2, method: 'ping' }, { Origin: 'http://attacker.example' });
  check(foreign.status === 403, 'a foreign Origin is refused with 403');
  const get = await fetch(url, { headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}` } });
  check(get.status === 405, 'GET /mcp: 405 (no server-initiated stream)');
  const noToken = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }) });
  check(noToken.status === 401, 'no token: 401');
  await client.close();
}

async function long() {
  const client = await connect();
  const calls = [];
  const first = await call(client, 'deploy', { scope: 'slow', reason: 'a long build' });
  calls.push(first);
  let record = first.result.structuredContent;
  check(record.status === 'building' && record.next?.tool === 'deploy_wait',
    `deploy answered after ${first.ms} ms: still ${record.status}, next ${record.next?.tool}`);
  const id = record.deployId;

  // A deploy_wait cut off by its caller stops waiting, never the deploy.
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 2000);
  const cut = await call(client, 'deploy_wait', { deployId: id }, { signal: abort.signal }).then(() => 'answered',
    (e) => `aborted (${e.name})`);
  check(cut.startsWith('aborted'), `a deploy_wait cancelled by its caller: ${cut}`);

  while (record.status !== 'succeeded' && record.status !== 'failed') {
    const next = await call(client, 'deploy_wait', { deployId: id });
    calls.push(next);
    record = next.result.structuredContent;
    console.log(`ok: deploy_wait answered after ${next.ms} ms: ${record.status}, ${next.progress.length} progress notifications`);
    if (calls.length > 8) fail('the build never ended');
  }
  check(record.status === 'succeeded', `the long build succeeded after ${record.durationMs} ms`);
  check(record.durationMs >= 120_000, 'it took over two minutes');
  const longest = Math.max(...calls.map((c) => c.ms));
  check(longest < CLIENT_CEILING_MS, `${calls.length} calls, none over 60 s (the longest ${longest} ms)`);
  const progress = calls.flatMap((c) => c.progress);
  check(progress.length >= 15, `${progress.length} progress notifications received`);
  check(progress.some((p) => /building · \d+ s/.test(p.message ?? '')), `progress says how it goes: "${progress.at(-1).message}"`);
  for (const c of calls) {
    const ticks = c.progress.map((p) => p.progress);
    if (ticks.some((t, i) => i > 0 && !(t > ticks[i - 1]))) fail('progress did not grow');
    const gaps = c.progress.slice(1).map((p, i) => p.progress - c.progress[i].progress);
    if (gaps.some((g) => g > 10)) fail(`a gap of over 10 s between progress notifications: ${gaps}`);
  }
  check(true, 'progress grew, never 10 s apart');
  await client.close();
}

const scenarios = { basics, long };
if (!scenarios[scenario]) fail(`unknown scenario ${scenario}; scenarios: ${Object.keys(scenarios).join(', ')}`);
scenarios[scenario]().then(() => process.exit(0), (e) => fail(e?.stack ?? String(e)));
