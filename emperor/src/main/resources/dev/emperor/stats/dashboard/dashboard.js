// The emperor's dashboard: renders /stats (from /events, or polled) and /history.
// Every string that comes from a vassal or an app goes into the page through textContent
// or an attribute set by setAttribute, never as markup.
'use strict';

(function () {
  const meta = (name) => document.querySelector('meta[name="' + name + '"]').getAttribute('content');
  const actionsOn = meta('emperor-actions') === 'on';
  const token = meta('emperor-token');
  const SVG = 'http://www.w3.org/2000/svg';
  const expanded = new Set();
  const privateViews = new Map(); // vassal -> {text} or {error}
  let stats = null;
  let history = null;
  let pollTimer = null;

  // ---- formatting -------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  const dash = '-';
  const has = (v) => v !== null && v !== undefined;
  function bytes(n) {
    if (!has(n) || n < 0) return dash;
    if (n < 1024) return n + ' B';
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let u = -1;
    do { n /= 1024; u++; } while (n >= 1024 && u < units.length - 1);
    return n.toFixed(n < 10 ? 1 : 0) + ' ' + units[u];
  }
  function duration(ms) {
    if (!has(ms) || ms < 0) return dash;
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + 'm';
    return Math.floor(s / 86400) + 'd' + Math.floor(s % 86400 / 3600) + 'h';
  }
  function seconds(v) {
    return has(v) && typeof v === 'number' ? v.toFixed(v < 10 ? 2 : 1) + ' s' : dash;
  }

  // running green; starting, reloading, stopping blue; backoff amber; invalid, failed red; stopped grey
  function severity(state) {
    switch (state) {
      case 'running': return 'ok';
      case 'starting': case 'reloading': case 'stopping': return 'busy';
      case 'backoff': return 'warn';
      case 'invalid': case 'failed': return 'bad';
      default: return 'off';
    }
  }
  // A worker that exited 0 or was stopped by us is routine, not an error.
  function routineExit(text) {
    return /exited with code 0\b/.test(text) || /\bstopped\b/.test(text) || /SIGTERM/.test(text);
  }

  // ---- rendering --------------------------------------------------------------------------
  function render() {
    if (!stats) return;
    const emp = stats.emperor || {};
    const now = (emp.started_at_ms || 0) + (emp.uptime_ms || 0); // the emperor's clock, not the browser's
    document.getElementById('summary').textContent = 'pid ' + emp.pid + ' \u00b7 version ' + emp.version
      + ' \u00b7 up ' + duration(emp.uptime_ms) + ' \u00b7 watching ' + (emp.vassals_dirs || []).join(', ')
      + ' \u00b7 ' + (stats.vassals || []).length + ' vassals';
    const body = document.querySelector('#vassals tbody');
    const rows = [];
    for (const v of stats.vassals || []) {
      rows.push(vassalRow(v));
      if (expanded.has(v.name)) rows.push(detailRow(v, now));
    }
    body.replaceChildren(...rows);
    document.getElementById('privacy').textContent = actionsOn
      ? 'Actions are on: they are allowed to the emperor\'s user and root, from this machine only.'
      : 'Read-only. Thread dumps and what apps report are not shown here (every local user can read this page): '
        + 'run "emperor status NAME --json" as the emperor\'s user.';
  }

  function vassalRow(v) {
    const workers = v.workers || [];
    const live = workers.filter((w) => has(w.pid));
    const pids = el('span', { class: 'pids' });
    live.forEach((w, i) => {
      if (i) pids.append(', ');
      pids.append(el('span', { 'data-pid': w.pid, title: 'worker ' + w.id }, w.pid));
    });
    const row = el('tr', { class: 'vassal', 'data-vassal': v.name, title: v.config },
      el('td', {}, el('strong', {}, v.name)),
      el('td', {}, el('span', { class: 'state sev-' + severity(v.state), 'data-field': 'state' }, v.state)),
      el('td', { class: 'num', 'data-field': 'restarts' }, v.restarts),
      el('td', {}, live.length + '/' + workers.length + (live.length ? ' \u00b7 ' : ''), pids),
      el('td', {}, chart(v.name)),
      el('td', {}, problem(v)),
      el('td', {}, expanded.has(v.name) ? '\u25be' : '\u25b8'));
    row.addEventListener('click', () => {
      if (expanded.has(v.name)) expanded.delete(v.name); else expanded.add(v.name);
      render();
    });
    return row;
  }

  function problem(v) {
    if (has(v.error)) {
      // config_error (true/false, newer emperors): the file is broken while the last good config may still run
      const prefix = v.config_error === true && v.state !== 'invalid' ? 'file broken, last good config runs: ' : '';
      return el('span', { class: 'text-bad', 'data-field': 'error' }, prefix + v.error);
    }
    if (has(v.last_exit)) {
      return el('span', { class: routineExit(v.last_exit) ? 'text-neutral' : 'text-bad', 'data-field': 'last-exit' },
        'last: ' + v.last_exit);
    }
    return '';
  }

  function detailRow(v, now) {
    const cell = el('td', { colspan: 7 });
    const kv = el('dl', { class: 'kv' });
    const add = (k, val) => { if (has(val) && val !== '') kv.append(el('dt', {}, k), el('dd', {}, val)); };
    add('file', v.config);
    add('config error', v.config_error === true ? 'yes: the file is broken (see the error); what runs is its last good version' : null);
    add('failed starts', v.start_failures);
    add('log', v.log && v.log.file);
    add('log lines dropped', v.log && v.log.dropped_lines);
    add('log error', v.log && v.log.error);
    cell.append(kv);
    if (actionsOn) cell.append(actionButtons(v.name));
    const table = el('table', { class: 'workers' }, el('tr', {},
      ...['worker', 'pid', 'state', 'uptime', 'health', 'heartbeat age', 'RSS', 'heap', 'CPU', 'restarts', 'last exit']
        .map((h) => el('th', {}, h))));
    for (const w of v.workers || []) {
      table.append(el('tr', { 'data-worker': w.id },
        el('td', {}, w.id),
        el('td', { 'data-field': 'pid' }, has(w.pid) ? w.pid : dash),
        el('td', {}, w.state),
        el('td', {}, has(w.pid) && has(w.started_at_ms) ? duration(now - w.started_at_ms) : dash),
        el('td', {}, has(w.health) ? w.health : dash),
        el('td', {}, has(w.heartbeat_age_ms) ? duration(w.heartbeat_age_ms) : dash),
        el('td', { class: 'num' }, bytes(w.rss_bytes)),
        el('td', { class: 'num' }, bytes(w.heap_bytes)),
        el('td', { class: 'num' }, seconds(w.cpu_seconds)),
        el('td', { class: 'num' }, w.restarts),
        el('td', { class: has(w.last_exit) && !routineExit(w.last_exit) ? 'text-bad' : 'text-neutral' },
          has(w.last_exit) ? w.last_exit : '')));
    }
    cell.append(table);
    for (const w of v.workers || []) {
      const d = el('dl', { class: 'kv' });
      const put = (k, val) => { if (has(val) && val !== '') d.append(el('dt', {}, k), el('dd', {}, val)); };
      put('diagnosis', w.diagnosis);
      if (w.last_restart) {
        put('last restart', w.last_restart.reason + ' (' + new Date(w.last_restart.at_ms).toLocaleString() + ')');
      }
      const tel = w.telemetry || {};
      const keys = Object.keys(tel).sort();
      if (keys.length) put('telemetry', keys.map((k) => k + ' = ' + telemetryValue(tel[k], w.telemetry_units, k)).join('\n'));
      if (d.childElementCount) cell.append(el('h4', {}, 'worker ' + w.id), d);
    }
    cell.append(privateView(v));
    return el('tr', { class: 'detail', 'data-detail': v.name }, cell);
  }

  // A telemetry series key is an OpenTelemetry name, maybe with {attributes}; its unit and kind
  // are in telemetry_units under the bare name (newer emperors), in UCUM ("By", "s", "{thread}").
  function telemetryValue(value, units, key) {
    const meta = units && units[key.split('{')[0]];
    if (meta && meta.unit === 'By' && typeof value === 'number') return bytes(value) + (meta.kind ? ' (' + meta.kind + ')' : '');
    const unit = meta && meta.unit ? ' ' + meta.unit.replace(/^\{(.*)\}$/, '$1') : '';
    return String(value) + unit + (meta && meta.kind ? ' (' + meta.kind + ')' : '');
  }

  function privateView(v) {
    const box = el('div', { class: 'private' });
    if (!actionsOn) {
      box.append(el('p', { class: 'hint' }, 'The last restart\'s evidence (thread dump) is withheld here: run "emperor status '
        + v.name + ' --json" as the emperor\'s user.'));
      return box;
    }
    const shown = privateViews.get(v.name);
    const button = el('button', { type: 'button' }, shown ? 'refresh diagnosis and thread dumps' : 'show diagnosis and thread dumps');
    button.addEventListener('click', (e) => { e.stopPropagation(); loadPrivate(v.name); });
    box.append(button);
    if (shown && shown.error) box.append(el('p', { class: 'text-bad' }, shown.error));
    if (shown && shown.vassal) {
      for (const w of shown.vassal.workers || []) {
        const r = w.last_restart;
        box.append(el('h4', {}, 'worker ' + w.id + (r ? ': ' + r.reason : ': no restart recorded')));
        if (has(w.diagnosis)) box.append(el('p', {}, w.diagnosis));
        if (r && has(r.evidence)) box.append(el('pre', { class: 'evidence' }, r.evidence));
      }
    }
    return box;
  }

  async function loadPrivate(name) {
    try {
      const r = await fetch('private/vassal?name=' + encodeURIComponent(name),
        { headers: { 'X-Emperor-Token': token }, cache: 'no-store' });
      const text = await r.text();
      privateViews.set(name, r.ok ? { vassal: JSON.parse(text) } : { error: text });
    } catch (e) {
      privateViews.set(name, { error: 'the emperor did not answer: ' + e });
    }
    render();
  }

  function actionButtons(name) {
    const box = el('div', { class: 'actions' });
    for (const action of ['reload', 'restart', 'stop', 'start']) {
      const b = el('button', { type: 'button', 'data-action': action }, action);
      b.addEventListener('click', (e) => { e.stopPropagation(); act(action, name); });
      box.append(b);
    }
    return box;
  }

  async function act(action, name) {
    if (action === 'stop' && !window.confirm('Stop ' + name + '? It stays stopped until started again.')) return;
    const notice = document.getElementById('notice');
    try {
      const r = await fetch('actions', {
        method: 'POST', cache: 'no-store',
        headers: { 'X-Emperor-Token': token, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action: action, vassal: name }),
      });
      notice.textContent = action + ' ' + name + ': ' + (await r.text());
    } catch (e) {
      notice.textContent = action + ' ' + name + ': the emperor did not answer: ' + e;
    }
    notice.hidden = false;
  }

  // ---- the chart: memory line, red ticks where restarts went up ----------------------------
  function chart(name) {
    const W = 160, H = 34;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    const series = history && history.vassals && history.vassals[name];
    const line = (x1, y1, x2, y2, cls) => {
      const l = document.createElementNS(SVG, 'line');
      l.setAttribute('x1', x1); l.setAttribute('y1', y1); l.setAttribute('x2', x2); l.setAttribute('y2', y2);
      l.setAttribute('class', cls);
      svg.append(l);
    };
    line(0, H - 1, W, H - 1, 'axis');
    if (!series) return svg;
    const n = history.capacity;
    const rss = series.rss_bytes;
    const offset = n - rss.length; // newest at the right edge
    const x = (i) => ((offset + i) / (n - 1)) * W;
    const max = Math.max(1, ...rss.filter(has));
    let path = '';
    let pen = false;
    rss.forEach((b, i) => {
      if (!has(b)) { pen = false; return; }
      path += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + (H - 2 - (b / max) * (H - 12)).toFixed(1);
      pen = true;
    });
    if (path) {
      const p = document.createElementNS(SVG, 'path');
      p.setAttribute('d', path);
      p.setAttribute('class', 'rss');
      svg.append(p);
    }
    const last = rss.length - 1;
    if (has(rss[last])) { // the latest sample as a dot: visible while the line is still short
      const c = document.createElementNS(SVG, 'circle');
      c.setAttribute('cx', Math.min(x(last), W - 2));
      c.setAttribute('cy', H - 2 - (rss[last] / max) * (H - 12));
      c.setAttribute('r', 2);
      c.setAttribute('class', 'now');
      svg.append(c);
    }
    const restarts = series.restarts;
    for (let i = 1; i < restarts.length; i++) {
      if (has(restarts[i]) && has(restarts[i - 1]) && restarts[i] > restarts[i - 1]) line(x(i), 0, x(i), H, 'restart');
    }
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', 2);
    label.setAttribute('y', 9);
    const latest = [...rss].reverse().find(has);
    label.textContent = has(latest) ? bytes(latest) : '';
    svg.append(label);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = 'resident memory of ' + name + ' over the last ' + Math.round(n * history.interval_ms / 60000)
      + ' min (highest ' + bytes(rss.some(has) ? max : null) + '); red: restarts';
    svg.append(title);
    return svg;
  }

  // ---- getting updates: server-sent events, else polling ----------------------------------
  function setLive(mode, text) {
    const live = document.getElementById('live');
    live.className = 'live ' + mode;
    live.textContent = text;
  }

  function connect() {
    if (!window.EventSource) { poll(); return; }
    const es = new EventSource('events');
    let lost = null; // the server ends each stream after 24 s and the browser reconnects: not worth a flicker
    es.addEventListener('open', () => { clearTimeout(lost); setLive('on', 'live'); });
    es.addEventListener('stats', (e) => { stats = JSON.parse(e.data); render(); });
    es.addEventListener('history', (e) => { history = JSON.parse(e.data); render(); });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) { // refused (too many streams): poll instead
        es.close();
        poll();
      } else {
        clearTimeout(lost);
        lost = setTimeout(() => setLive('off', 'reconnecting'), 3000);
      }
    });
  }

  function poll() {
    if (pollTimer) return;
    setLive('poll', 'polling');
    let tick = 0;
    const once = async () => {
      try {
        const r = await fetch('stats', { cache: 'no-store' });
        if (r.ok) { stats = await r.json(); setLive('poll', 'polling'); } else setLive('off', 'emperor busy');
        if (tick++ % 3 === 0) {
          const h = await fetch('history', { cache: 'no-store' });
          if (h.ok) history = await h.json();
        }
        render();
      } catch (e) {
        setLive('off', 'emperor unreachable');
      }
    };
    once();
    pollTimer = setInterval(once, 2000);
  }

  connect();
})();
