// reship's dashboard: plain JavaScript on reship-back's HTTP API
// (docs/http-api.md). Every text from the server (log lines, reasons,
// summaries) goes into the page as textContent, never as HTML.
'use strict';

const kTokenKey = 'reship.token';
const kRowHeight = 18;  // px, as .log .row in app.css

// ---- small helpers -----------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function duration(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return ms + ' ms';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + Math.round(s % 60) + ' s';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString();
}

function firstLine(text) {
  return text ? String(text).split('\n')[0] : '';
}

function statusCell(status) {
  return el('span', {class: 'status status-' + status, text: status});
}

function notice(text) {
  const n = document.getElementById('notice');
  n.textContent = text || '';
  n.hidden = !text;
}

// ---- the API -----------------------------------------------------------------------

function token() {
  return sessionStorage.getItem(kTokenKey) || '';
}

function authHeaders(extra) {
  const h = Object.assign({}, extra || {});
  if (token()) h['Authorization'] = 'Bearer ' + token();
  return h;
}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = authHeaders(opts.headers);
  const r = await fetch(path, opts);
  let body = null;
  const type = r.headers.get('content-type') || '';
  if (type.startsWith('application/json')) body = await r.json();
  if (r.ok && token()) document.getElementById('token-state').textContent = 'token set';
  if (r.status === 401) {
    document.getElementById('token-state').textContent = token() ? 'token refused' : 'a token is needed';
    document.getElementById('token').focus();
  }
  if (!r.ok && r.status !== 409 && r.status !== 500 && r.status !== 202) {
    const msg = body && body.error ? body.error.code + ': ' + body.error.message : r.status + ' ' + r.statusText;
    throw new Error(msg);
  }
  return {status: r.status, body, headers: r.headers};
}

// Server-Sent Events read with fetch (EventSource cannot send the
// Authorization header). On a cut it reconnects with Last-Event-ID, so the
// server resumes right after the last event received: no gap, no duplicate.
class EventStream {
  constructor(url, onEvent, onState) {
    this.url = url;
    this.onEvent = onEvent;
    this.onState = onState || (() => {});
    this.lastId = null;
    this.stopped = false;
    this.controller = null;
    this.reconnects = 0;
    EventStream.open.add(this);
    this.run();
  }

  stop() {
    this.stopped = true;
    EventStream.open.delete(this);
    if (this.controller) this.controller.abort();
  }

  // Cuts the current connection (as a network failure would); the stream
  // reconnects by itself.
  drop() {
    if (this.controller) this.controller.abort();
  }

  async run() {
    let delay = 250;
    while (!this.stopped) {
      this.controller = new AbortController();
      const headers = authHeaders({Accept: 'text/event-stream'});
      if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
      let ended = false;
      try {
        const r = await fetch(this.url, {headers, signal: this.controller.signal, cache: 'no-store'});
        if (!r.ok) {
          this.onState('error ' + r.status);
          if (r.status === 401 || r.status === 403 || r.status === 404) return;
        } else {
          this.onState('live');
          delay = 250;
          ended = await this.read(r.body.getReader());
        }
      } catch (e) {
        if (this.stopped) return;
      }
      if (ended || this.stopped) {
        this.onState('ended');
        EventStream.open.delete(this);
        return;
      }
      this.reconnects++;
      this.onState('reconnecting');
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  // Returns true when the server ended the stream (after deploy.done).
  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    let id = null, type = 'message', data = [];
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return true;
      buffer += decoder.decode(value, {stream: true});
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (data.length) {
            let event = null;
            try { event = JSON.parse(data.join('\n')); } catch (e) { event = null; }
            if (event) await this.onEvent(type, event);
            // Taken as received only once handled: a cut while handling
            // resumes with this event again.
            if (id !== null) this.lastId = id;
          }
          id = null; type = 'message'; data = [];
        } else if (line.startsWith(':')) {
          continue;
        } else {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? '' : line.slice(colon + 1);
          if (val.startsWith(' ')) val = val.slice(1);
          if (field === 'id') id = val;
          else if (field === 'event') type = val;
          else if (field === 'data') data.push(val);
        }
      }
    }
  }
}
EventStream.open = new Set();

// ---- ANSI colours (SGR) → spans ---------------------------------------------------

const kEscape = /\x1b\[([0-9;]*)([A-Za-z])/g;

function ansiInto(target, text) {
  if (text.indexOf('\x1b') < 0) {
    target.textContent = text;
    return;
  }
  target.textContent = '';
  let fg = 0, bg = 0, bold = false, last = 0, m;
  const push = (s) => {
    if (!s) return;
    if (!fg && !bg && !bold) { target.append(s); return; }
    const cls = [fg ? 'fg' + fg : '', bg ? 'bg' + bg : '', bold ? 'b' : ''].join(' ').trim();
    target.append(el('span', {class: cls, text: s}));
  };
  kEscape.lastIndex = 0;
  while ((m = kEscape.exec(text)) !== null) {
    push(text.slice(last, m.index));
    last = kEscape.lastIndex;
    if (m[2] !== 'm') continue;
    for (const part of (m[1] || '0').split(';')) {
      const n = Number(part || 0);
      if (n === 0) { fg = 0; bg = 0; bold = false; }
      else if (n === 1) bold = true;
      else if (n === 22) bold = false;
      else if (n >= 30 && n <= 37) fg = n;
      else if (n >= 90 && n <= 97) fg = n - 60;
      else if (n === 39) fg = 0;
      else if (n >= 40 && n <= 47) bg = n;
      else if (n === 49) bg = 0;
    }
  }
  push(text.slice(last).replace(/\x1b/g, ''));
}

// ---- the log: kept as an array, only the visible rows in the page --------------------

class LogView {
  constructor(container) {
    this.box = container;
    this.spacer = el('div', {class: 'spacer'});
    this.box.append(this.spacer);
    this.lines = [];      // {text, stream, offset}
    this.lastOffset = -1;
    this.follow = true;
    this.matches = [];
    this.current = -1;
    this.query = '';
    this.pending = false;
    this.rows = new Map();
    this.box.addEventListener('scroll', () => {
      const atEnd = this.box.scrollTop + this.box.clientHeight >= this.box.scrollHeight - kRowHeight * 2;
      this.follow = atEnd;
      this.onFollow && this.onFollow(this.follow);
      this.schedule();
    });
  }

  // A line of the log; one already held (by its offset) is skipped.
  add(text, stream, offset) {
    if (offset !== undefined && offset !== null) {
      if (offset <= this.lastOffset) return false;
      this.lastOffset = offset;
    }
    const i = this.lines.length;
    this.lines.push({text, stream});
    if (this.query && text.toLowerCase().includes(this.query)) this.matches.push(i);
    this.schedule();
    return true;
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render() {
    this.spacer.style.height = this.lines.length * kRowHeight + 'px';
    if (this.follow) this.box.scrollTop = this.box.scrollHeight;
    const first = Math.max(0, Math.floor(this.box.scrollTop / kRowHeight) - 10);
    const last = Math.min(this.lines.length, first + Math.ceil(this.box.clientHeight / kRowHeight) + 20);
    const matchSet = this.query ? new Set(this.matches) : null;
    const currentLine = this.current >= 0 ? this.matches[this.current] : -1;
    for (const [i, row] of this.rows) {
      if (i < first || i >= last) {
        row.remove();
        this.rows.delete(i);
      }
    }
    for (let i = first; i < last; i++) {
      let row = this.rows.get(i);
      if (!row) {
        const line = this.lines[i];
        row = el('div', {class: 'row ' + line.stream, 'data-n': i + 1});
        row.style.top = i * kRowHeight + 'px';
        ansiInto(row, line.text);
        if (line.stream === 'stderr') row.title = 'stderr';
        this.box.append(row);
        this.rows.set(i, row);
      }
      row.classList.toggle('match', !!matchSet && matchSet.has(i));
      row.classList.toggle('current', i === currentLine);
    }
    this.box.dataset.lines = String(this.lines.length);
    this.onRender && this.onRender();
  }

  search(query) {
    this.query = query.toLowerCase();
    this.matches = [];
    this.current = -1;
    if (this.query) {
      this.lines.forEach((l, i) => {
        if (l.text.toLowerCase().includes(this.query)) this.matches.push(i);
      });
    }
    this.render();
    return this.matches.length;
  }

  next(step) {
    if (!this.matches.length) return;
    this.current = (this.current + step + this.matches.length) % this.matches.length;
    this.follow = false;
    this.box.scrollTop = Math.max(0, this.matches[this.current] * kRowHeight - this.box.clientHeight / 2);
    this.render();
  }

  toEnd() {
    this.follow = true;
    this.render();
  }
}

// ---- views -------------------------------------------------------------------------

let cleanup = [];
function onLeave(fn) { cleanup.push(fn); }

const state = {lanes: null};

async function lanes() {
  if (!state.lanes) {
    const r = await api('/api/v1/lanes');
    state.lanes = r.body.lanes;
  }
  return state.lanes;
}

function scopesOf(ls) {
  const out = [];
  for (const l of ls) for (const s of l.scopes) if (!out.includes(s)) out.push(s);
  return out;
}

function outcomeText(scope, r) {
  const b = r.body || {};
  if (b.error) return scope + ': ' + b.error.code + ': ' + b.error.message;
  let t = scope + ': ' + (b.deployId || '');
  if (b.coalesced) t += ' (coalesced into the queued deploy)';
  else if (b.joined) t += ' (joined)';
  else if (b.queuePosition === 1) t += ' queued';
  else if (b.queuePosition === 0) t += ' started';
  if (b.replaced) t += ' (replaced ' + b.replaced + ')';
  if (b.warnings) t += ' — ' + b.warnings.join('; ');
  return t;
}

async function startDeploy(scope, mode, out) {
  try {
    const before = await api('/api/v1/lanes');
    const queued = [];
    for (const l of before.body.lanes) if (l.queued) queued.push(l.queued.deployId);
    const r = await api('/api/v1/deploys', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                           body: JSON.stringify({scope, mode: mode || 'deploy'})});
    // A queued deploy that is gone from the queue now was replaced.
    const b = r.body || {};
    if (!b.coalesced && b.queuePosition === 1) {
      const gone = queued.filter((id) => id !== b.deployId);
      if (gone.length) b.replaced = gone.join(', ');
    }
    out.textContent = outcomeText(scope, r);
    out.hidden = false;
    return b;
  } catch (e) {
    out.textContent = scope + ': ' + e.message;
    out.hidden = false;
    return null;
  }
}

async function deploysView(main, params) {
  const filters = {status: params.get('status') || '', scope: params.get('scope') || '',
                   lane: params.get('lane') || ''};
  const ls = await lanes();
  const outcome = el('p', {class: 'outcome', id: 'deploy-outcome', role: 'status', hidden: true});
  const buttons = el('div', {class: 'toolbar', id: 'deploy-buttons'}, el('span', {class: 'muted', text: 'Deploy:'}));
  for (const s of scopesOf(ls)) {
    buttons.append(el('button', {class: 'primary', 'data-scope': s, text: s,
                                 onclick: () => startDeploy(s, 'deploy', outcome)}));
  }
  const select = (name, values) => {
    const sel = el('select', {id: 'filter-' + name, 'aria-label': name},
                   el('option', {value: '', text: 'any ' + name}));
    for (const v of values) sel.append(el('option', {value: v, text: v, selected: v === filters[name]}));
    sel.addEventListener('change', () => {
      filters[name] = sel.value;
      cursors.length = 0;
      load();
    });
    return sel;
  };
  const statuses = ['queued', 'building', 'restarting', 'succeeded', 'failed', 'cancelled', 'interrupted'];
  const filterBar = el('div', {class: 'toolbar'}, select('status', statuses), select('scope', scopesOf(ls)),
                       ls.length > 1 ? select('lane', ls.map((l) => l.name)) : null);
  const tbody = el('tbody', {id: 'deploys'});
  const table = el('table', {},
                   el('thead', {}, el('tr', {}, ...['deploy', 'status', 'scope', ls.length > 1 ? 'lane' : null,
                                                    'who', 'when', 'duration', 'error']
                                                      .filter((h) => h)
                                                      .map((h) => el('th', {text: h, class: h === 'who' || h === 'when' ? 'wide' : null})))),
                   tbody);
  const cursors = [];  // the `before` of each page shown after the first
  let next = null;
  const newer = el('button', {text: '← newer', onclick: () => { cursors.pop(); load(); }});
  const older = el('button', {text: 'older →', onclick: () => { cursors.push(next); load(); }});
  const pager = el('div', {class: 'toolbar'}, newer, older);
  main.replaceChildren(el('h1', {text: 'Deploys'}), buttons, outcome, filterBar, el('div', {class: 'scroll'}, table), pager);

  async function load() {
    const q = new URLSearchParams({limit: '20'});
    for (const k of ['status', 'scope', 'lane']) if (filters[k]) q.set(k, filters[k]);
    if (cursors.length) q.set('before', cursors[cursors.length - 1]);
    let r;
    try { r = await api('/api/v1/deploys?' + q); } catch (e) { notice(e.message); return; }
    notice('');
    next = r.body.next;
    newer.disabled = cursors.length === 0;
    older.disabled = !next;
    tbody.replaceChildren(...r.body.deploys.map((d) => el('tr', {'data-id': d.deployId, 'data-status': d.status},
      el('td', {}, el('a', {href: '#/deploy/' + d.deployId, text: d.deployId})),
      el('td', {}, statusCell(d.status)),
      el('td', {text: d.scope + (d.mode !== 'deploy' ? ' (' + d.mode + ')' : '')}),
      ls.length > 1 ? el('td', {text: d.lane}) : null,
      el('td', {class: 'wide', text: d.requestedBy}),
      el('td', {class: 'wide', text: when(d.createdAt)}),
      el('td', {text: duration(d.durationMs)}),
      el('td', {class: 'summary', text: firstLine(d.errorSummary), title: d.errorSummary || ''}))));
  }
  await load();
  // Live: any change of a deploy's state reloads the page shown.
  let timer = null;
  const s = new EventStream('/api/v1/events', (type) => {
    if (type === 'deploy.log') return;
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  onLeave(() => { s.stop(); clearTimeout(timer); });
}

async function deployView(main, id) {
  const head = el('div');
  const summary = el('div', {id: 'summary'});
  const restarts = el('div', {id: 'restarts'});
  const logBox = el('div', {class: 'log', id: 'log', tabindex: '0', role: 'log', 'aria-label': 'deploy log'});
  const streamState = el('span', {id: 'stream-state', class: 'muted'});
  const count = el('span', {id: 'log-count', class: 'muted'});
  const search = el('input', {id: 'log-search', type: 'search', placeholder: 'search the log ( / )',
                              'aria-label': 'search the log'});
  const matches = el('span', {class: 'muted', id: 'log-matches'});
  const follow = el('button', {id: 'log-follow', text: 'follow ↓', onclick: () => view.toEnd()});
  const download = el('button', {id: 'log-download', text: 'download log', onclick: () => downloadLog(id)});
  const outcome = el('p', {class: 'outcome', role: 'status', hidden: true});
  main.replaceChildren(head, outcome, summary, restarts,
                       el('div', {class: 'toolbar'}, search, matches, follow, download, count, streamState), logBox);
  const view = new LogView(logBox);
  view.onFollow = (f) => { follow.disabled = f; };
  view.onRender = () => { count.textContent = view.lines.length + ' lines'; };
  follow.disabled = true;
  search.addEventListener('input', () => {
    const n = view.search(search.value);
    matches.textContent = search.value ? n + ' matches' : '';
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { view.next(e.shiftKey ? -1 : 1); e.preventDefault(); }
  });
  const keys = (e) => {
    if (e.key === '/' && document.activeElement !== search) { search.focus(); e.preventDefault(); }
  };
  document.addEventListener('keydown', keys);
  onLeave(() => document.removeEventListener('keydown', keys));

  let record = null;
  async function refresh() {
    try {
      record = (await api('/api/v1/deploys/' + encodeURIComponent(id))).body;
    } catch (e) { notice(e.message); return; }
    renderRecord(record);
  }

  function renderRecord(d) {
    const active = d.status === 'queued' || d.status === 'building';
    head.replaceChildren(
      el('h1', {}, 'Deploy ', el('span', {text: d.deployId}), ' ', el('span', {id: 'deploy-status', class: 'status status-' + d.status, text: d.status})),
      el('dl', {class: 'record'},
         el('dt', {text: 'scope'}), el('dd', {text: d.scope + (d.lane && d.lane !== 'main' ? ' (lane ' + d.lane + ')' : '')}),
         el('dt', {text: 'mode'}), el('dd', {text: d.mode}),
         el('dt', {text: 'requested by'}), el('dd', {text: d.requestedBy + (d.reason ? ' — ' + d.reason : '')}),
         el('dt', {text: 'created'}), el('dd', {text: when(d.createdAt)}),
         el('dt', {text: 'duration'}), el('dd', {text: duration(d.durationMs) + (d.queuedMs ? ' (queued ' + duration(d.queuedMs) + ')' : '')}),
         d.exitCode !== null ? el('dt', {text: 'exit code'}) : null, d.exitCode !== null ? el('dd', {text: d.exitCode}) : null),
      el('div', {class: 'toolbar'},
         el('button', {id: 'cancel', class: 'danger', text: 'cancel', disabled: !active, onclick: cancel}),
         el('button', {id: 'again', text: 'deploy again', onclick: again}),
         el('a', {href: '#/deploys', text: '← all deploys'})));
    const parts = [];
    if (d.errorSummary) parts.push(el('h2', {text: 'Error'}), el('pre', {class: 'summary', id: 'error-summary', text: d.errorSummary}));
    if (d.diagnostics && d.diagnostics.length) {
      parts.push(el('h2', {text: 'Diagnostics'}), el('ul', {class: 'diagnostics', id: 'diagnostics'},
        ...d.diagnostics.map((g) => el('li', {},
          el('span', {class: 'loc', text: (g.file || '?') + (g.line ? ':' + g.line : '') + (g.column ? ':' + g.column : '')}),
          ' ', el('span', {class: 'muted', text: [g.tool, g.severity, g.code].filter((x) => x).join(' ')}),
          ' ', el('span', {text: g.message || ''}),
          g.test ? el('span', {class: 'muted', text: ' (' + g.test + ')'}) : null))));
    }
    summary.replaceChildren(...parts);
    if (d.restarts && d.restarts.length) {
      restarts.replaceChildren(el('h2', {text: 'Restarts'}), el('table', {id: 'restart-table'},
        el('thead', {}, el('tr', {}, ...['service', 'ok', 'pid', 'duration', 'error'].map((h) => el('th', {text: h})))),
        el('tbody', {}, ...d.restarts.map((r) => el('tr', {},
          el('td', {text: r.service}), el('td', {text: r.ok ? 'yes' : 'no'}), el('td', {text: r.pid}),
          el('td', {text: duration(r.durationMs)}), el('td', {text: r.error || ''}))))));
    } else {
      restarts.replaceChildren();
    }
  }

  async function cancel() {
    try {
      await api('/api/v1/deploys/' + encodeURIComponent(id) + '/cancel', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({reason: 'from the dashboard'})});
    } catch (e) { notice(e.message); }
    refresh();
  }

  async function again() {
    const b = await startDeploy(record.scope, record.mode, outcome);
    if (b && b.deployId) location.hash = '#/deploy/' + b.deployId;
  }

  // Lines missing from the events (a gap): read from the log's line index.
  async function fillFrom() {
    let offset = Math.max(0, view.lastOffset);
    for (;;) {
      const r = await api('/api/v1/deploys/' + encodeURIComponent(id) + '/lines?limit=10000&offset=' + offset);
      for (const l of r.body.lines) view.add(l.text, l.stream, l.offset);
      if (!r.body.lines.length || r.body.next === offset) return;
      offset = r.body.next;
      if (r.body.lines.length < 10000) return;
    }
  }

  await refresh();
  let refreshTimer = null;
  const s = new EventStream('/api/v1/events?since=0&deployId=' + encodeURIComponent(id), async (type, e) => {
    if (type === 'deploy.log') {
      view.add(e.line, e.stream, e.offset);
    } else if (type === 'stream.gap') {
      await fillFrom();
    } else {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, type === 'deploy.done' ? 0 : 100);
    }
  }, (st) => {
    streamState.textContent = st;
    // Nothing came as events (a deploy of an earlier run of reship-back
    // whose events are gone): read its log's lines instead.
    if (st === 'ended' && !view.lines.length) fillFrom().catch((e) => notice(e.message));
  });
  onLeave(() => { s.stop(); clearTimeout(refreshTimer); });
  window.reship.log = view;
}

async function downloadLog(id) {
  const parts = [];
  let offset = 0;
  for (;;) {
    const r = await fetch('/api/v1/deploys/' + encodeURIComponent(id) + '/log?limit=8388608&offset=' + offset,
                          {headers: authHeaders()});
    if (!r.ok) { notice('download: ' + r.status); return; }
    const b = await r.blob();
    parts.push(b);
    const nextOffset = Number(r.headers.get('X-Log-Next-Offset'));
    const size = Number(r.headers.get('X-Log-Size'));
    if (!b.size || nextOffset >= size) break;
    offset = nextOffset;
  }
  const a = el('a', {href: URL.createObjectURL(new Blob(parts, {type: 'text/plain'})), download: id + '.log'});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

async function restartService(name, out, reload) {
  out.hidden = false;
  out.textContent = 'restarting ' + name + '…';
  try {
    const r = await api('/api/v1/services/' + encodeURIComponent(name) + '/restart', {method: 'POST'});
    const b = r.body || {};
    out.textContent = b.ok ? name + ' restarted in ' + duration(b.durationMs) + ': pid ' + b.oldPid + ' → ' + b.pid
                           : name + ': restart failed: ' + (b.error || (b.error && b.error.message) || r.status);
  } catch (e) {
    out.textContent = name + ': ' + e.message;
  }
  reload();
}

async function servicesView(main) {
  const ls = await lanes();
  const outcome = el('p', {class: 'outcome', role: 'status', hidden: true});
  const tbody = el('tbody', {id: 'services'});
  const sup = el('p', {class: 'muted', id: 'supervisor'});
  const buttons = el('div', {class: 'toolbar'}, el('span', {class: 'muted', text: 'Restart scope:'}));
  for (const s of scopesOf(ls)) {
    buttons.append(el('button', {'data-restart-scope': s, text: s, onclick: () => startDeploy(s, 'restart', outcome)}));
  }
  main.replaceChildren(el('h1', {text: 'Services'}), sup, buttons, outcome,
    el('div', {class: 'scroll'}, el('table', {}, el('thead', {}, el('tr', {}, ...['service', 'state', 'pid', 'uptime', 'restarts', 'ready', 'last exit', '']
      .map((h) => el('th', {text: h})))), tbody)));
  async function load() {
    let r;
    try { r = await api('/api/v1/services'); } catch (e) { notice(e.message); return; }
    notice('');
    const s = r.body.supervisor || {};
    sup.textContent = 'supervisor pid ' + s.pid + ', up ' + duration(s.uptimeMs) + (s.version ? ', ' + s.version : '');
    tbody.replaceChildren(...r.body.services.map((v) => el('tr', {'data-service': v.name},
      el('td', {text: v.name}), el('td', {}, el('span', {class: 'status status-' + (v.state === 'running' ? 'succeeded' : v.state), text: v.state})),
      el('td', {class: 'pid', text: v.pid || ''}), el('td', {text: duration(v.uptimeMs)}),
      el('td', {text: v.restarts}), el('td', {text: v.ready ? 'ready' : 'not ready'}),
      el('td', {text: v.lastExit ? (v.lastExit.signal ? 'signal ' + v.lastExit.signal : 'code ' + v.lastExit.code) + ' at ' + when(v.lastExit.at) : ''}),
      el('td', {}, el('button', {'data-restart-service': v.name, text: 'restart', 'aria-label': 'restart ' + v.name,
                                 onclick: () => restartService(v.name, outcome, load)})))));
  }
  await load();
  const timer = setInterval(load, 2000);
  const st = new EventStream('/api/v1/events', (type) => { if (type === 'deploy.restart.done') load(); });
  onLeave(() => { clearInterval(timer); st.stop(); });
}

// Deploy durations over time, per scope, as inline SVG; failures in red.
async function chartView(main) {
  let r;
  try { r = await api('/api/v1/deploys?limit=100'); } catch (e) { notice(e.message); return; }
  const ds = r.body.deploys.filter((d) => d.durationMs !== null && d.finishedAt).reverse();
  const ns = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const W = 800, H = 300, L = 50, B = 30;
  const chart = svg('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'deploy durations'});
  const colours = ['#0a5bd3', '#11763a', '#9a6200', '#7a3fc4', '#0b8a8a', '#b0306a'];
  const scopes = [...new Set(ds.map((d) => d.scope))];
  const t0 = ds.length ? Date.parse(ds[0].createdAt) : 0;
  const t1 = ds.length ? Math.max(t0 + 1, Date.parse(ds[ds.length - 1].createdAt)) : 1;
  const maxMs = Math.max(1000, ...ds.map((d) => d.durationMs));
  const x = (d) => L + (Date.parse(d.createdAt) - t0) / (t1 - t0) * (W - L - 10);
  const y = (d) => H - B - d.durationMs / maxMs * (H - B - 10);
  chart.append(svg('line', {class: 'axis', x1: L, y1: H - B, x2: W - 10, y2: H - B}),
               svg('line', {class: 'axis', x1: L, y1: 10, x2: L, y2: H - B}),
               svg('text', {x: 4, y: 16}, duration(maxMs)), svg('text', {x: 4, y: H - B}, '0'));
  if (ds.length) {
    chart.append(svg('text', {x: L, y: H - 8}, when(ds[0].createdAt)),
                 svg('text', {x: W - 170, y: H - 8}, when(ds[ds.length - 1].createdAt)));
  }
  scopes.forEach((scope, i) => {
    const pts = ds.filter((d) => d.scope === scope);
    const colour = colours[i % colours.length];
    chart.append(svg('polyline', {fill: 'none', stroke: colour, 'stroke-width': 2,
                                  points: pts.map((d) => x(d).toFixed(1) + ',' + y(d).toFixed(1)).join(' ')}));
    for (const d of pts) {
      const ok = d.status === 'succeeded';
      const dot = svg('circle', {cx: x(d).toFixed(1), cy: y(d).toFixed(1), r: ok ? 3 : 5, fill: ok ? colour : null,
                                 class: ok ? '' : 'fail'});
      if (ok) dot.removeAttribute('class'); else dot.removeAttribute('fill');
      dot.append(svg('title', {}, d.deployId + ' ' + d.status + ' ' + duration(d.durationMs)));
      chart.append(dot);
    }
  });
  const legend = el('p', {class: 'legend'}, ...scopes.map((s, i) => el('span', {},
    el('span', {text: '■ ', class: 'swatch' + i}), s)),
    el('span', {class: 'status-failed', text: '● failed (' + ds.filter((d) => d.status !== 'succeeded').length + ')'}));
  main.replaceChildren(el('h1', {text: 'Deploy durations'}), chart, legend,
                       el('p', {class: 'muted', text: ds.length + ' finished deploys, newest 100'}));
  legend.querySelectorAll('[class^=swatch]').forEach((e, i) => { e.style.color = colours[i % colours.length]; });
}

// ---- routing -----------------------------------------------------------------------

async function route() {
  for (const fn of cleanup.splice(0)) fn();
  notice('');
  const main = document.getElementById('view');
  const hash = location.hash || '#/deploys';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter((p) => p);
  for (const v of ['deploys', 'services', 'chart']) {
    const a = document.getElementById('nav-' + v);
    if ((parts[0] || 'deploys') === v || (v === 'deploys' && parts[0] === 'deploy')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (parts[0] === 'deploy' && parts[1]) await deployView(main, parts[1]);
    else if (parts[0] === 'services') await servicesView(main);
    else if (parts[0] === 'chart') await chartView(main);
    else await deploysView(main, params);
  } catch (e) {
    notice(e.message);
  }
}

window.reship = {
  // Cuts every live stream's connection; each resumes by Last-Event-ID.
  dropStreams() {
    for (const s of EventStream.open) s.drop();
  },
  reconnects() {
    let n = 0;
    for (const s of EventStream.open) n += s.reconnects;
    return n;
  },
  log: null,
};

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token');
  const stateText = document.getElementById('token-state');
  stateText.textContent = token() ? 'token set' : '';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.value) sessionStorage.setItem(kTokenKey, input.value);
    else sessionStorage.removeItem(kTokenKey);
    input.value = '';
    stateText.textContent = token() ? 'token set' : 'no token';
    state.lanes = null;
    notice('');
    route();
  });
  window.addEventListener('hashchange', route);
  route();
});
