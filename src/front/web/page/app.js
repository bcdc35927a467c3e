// The chat page: one WebSocket to /ws, each text frame one JSON packet of docs/PROTOCOL.md
// Parts 4 and 5. A classic script with no eval and no inline styles (the server's CSP
// allows neither); user text only ever goes through textContent.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const ui = {};
  for (const id of ['status', 'disconnect', 'connect', 'name', 'password', 'server',
    'connect-error', 'reconnect', 'reconnect-text', 'retry', 'scroller', 'history-note',
    'messages', 'users', 'user-count', 'error', 'send', 'input', 'send-button', 'announce']) {
    ui[id.replace(/-(.)/g, (_, c) => c.toUpperCase())] = $(id);
  }

  const EXTENSIONS = ['dm', 'emote', 'users', 'events', 'auth', 'offline', 'history'];
  const PAGE = 50; // history entries per page
  const CAP = 30000; // longest wait between reconnection attempts, ms
  const MAX_PACKET = 65407; // bytes of JSON the server takes (Part 4, Framing)
  const OPEN_TIMEOUT = 10000; // a server that neither accepts nor refuses, ms

  const st = {
    ws: null, nick: '', password: '', url: '',
    wanted: false, // Connect was pressed and Disconnect was not
    joined: false, // our own join came: we are in the chat
    everJoined: false, // joined since Connect was pressed: a drop is then retried
    ext: new Set(),
    attempt: 0, retryTimer: 0, tickTimer: 0, retryAt: 0,
    pending: [], // own messages sent and not answered yet, in order (Part 4: one answer each)
    stored: new Map(), // id -> own line kept for an offline user
    seen: new Set(), // messages shown (see key): none is shown twice
    users: new Set(),
    asks: [], // history requests in flight, in order
    oldest: null, newest: 0, exhausted: false, loadingOlder: false,
  };

  // ---- elements ----
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const two = (n) => String(n).padStart(2, '0');
  function timeEl(iso) {
    let d = iso ? new Date(iso) : new Date();
    if (Number.isNaN(d.getTime())) d = new Date();
    const t = el('time', 'time', `${two(d.getHours())}:${two(d.getMinutes())}`);
    if (d.toDateString() !== new Date().toDateString()) {
      const day = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
      t.textContent = `${day} ${t.textContent}`;
    }
    t.dateTime = d.toISOString();
    t.title = d.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'long' });
    return t;
  }
  const atBottom = () => ui.scroller.scrollHeight - ui.scroller.scrollTop
    - ui.scroller.clientHeight < 40;
  const toBottom = () => { ui.scroller.scrollTop = ui.scroller.scrollHeight; };
  function append(li, stick) {
    const follow = stick || atBottom();
    ui.messages.append(li);
    if (follow) toBottom();
    return li;
  }
  function notice(text, kind) {
    const li = el('li', `notice ${kind || 'info'}`);
    li.dataset.kind = kind || 'info';
    li.append(timeEl(), el('span', 'body', text));
    return append(li);
  }
  // What a screen reader says of a new line: its text without the time.
  const announce = (li) => { ui.announce.textContent = li.querySelector('.body').textContent; };
  function setStatus(text, state) {
    ui.status.textContent = text;
    ui.status.dataset.state = state || '';
  }
  function showError(text, code) {
    ui.error.replaceChildren(text);
    if (code) ui.error.append(' ', el('span', 'code', `(${code})`));
  }
  const clearError = () => ui.error.replaceChildren();

  // ---- messages ----
  const you = (nick) => (nick === st.nick ? 'you' : nick);
  function messageLine(m, mine) {
    const li = el('li', `msg ${m.type}${mine ? ' own' : ''}`);
    li.dataset.kind = m.type;
    if (m.id != null) li.dataset.id = m.id;
    const body = el('span', 'body');
    if (m.type === 'emote') {
      body.append(el('span', 'who', `* ${m.nick} `), m.message);
    } else {
      const who = m.type === 'dm' ? `${mine ? 'you' : m.nick} → ${you(m.to)}` : m.nick;
      if (m.nick === '*server*') li.classList.add('server');
      body.append(el('span', 'who', `${who}: `), m.message);
    }
    li.append(timeEl(m.time), body);
    if (m.stored) li.append(el('span', 'note', ' (while you were away)'));
    return li;
  }
  function setMark(li, state, text, title) {
    let mark = li.querySelector('.mark');
    if (!mark) li.append(' ', (mark = el('span', 'mark')));
    mark.dataset.state = state;
    mark.textContent = text;
    mark.title = title;
  }
  // An id alone is not enough: a server restarted without its store counts from 1 again.
  const key = (m) => [m.id, m.nick, m.to || '', m.message].join('\u0000');
  function track(m) {
    st.seen.add(key(m));
    if (st.oldest === null || m.id < st.oldest) st.oldest = m.id;
    if (m.id > st.newest) st.newest = m.id;
  }

  function incoming(p) {
    const mine = p.nick === st.nick;
    if (mine && st.pending.length && st.pending[0].type === p.type) {
      const entry = st.pending.shift();
      if (p.id != null) { track(p); entry.li.dataset.id = p.id; }
      setMark(entry.li, 'delivered', '✓', 'delivered');
      return;
    }
    if (p.id != null) {
      if (st.seen.has(key(p))) return;
      track(p);
    }
    announce(append(messageLine(p, mine)));
  }

  // ---- sending ----
  function parse(text) {
    let m;
    if ((m = /^\/me\s+(\S[\s\S]*)$/.exec(text))) {
      return st.ext.has('emote') ? { type: 'emote', message: m[1] } : { type: 'chat', message: text };
    }
    if ((m = /^@(\S+)\s*([\s\S]*)$/.exec(text))) {
      if (!m[2].trim()) return `type a message after @${m[1]}`;
      if (m[1].toUpperCase() === 'ALL') return { type: 'chat', message: m[2] };
      if (!st.ext.has('dm')) return 'this server does not support direct messages';
      return { type: 'dm', to: m[1], message: m[2] };
    }
    if (/^\/\S/.test(text) && !text.startsWith('//')) {
      return `unknown command ${text.split(/\s/)[0]}: type a message, @name message, or /me action`;
    }
    return { type: 'chat', message: text.startsWith('//') ? text.slice(1) : text };
  }
  function sendLine(text) {
    if (!st.joined) { showError('not connected: connect first'); return false; }
    const packet = parse(text);
    if (typeof packet === 'string') { showError(packet); return false; }
    if (new TextEncoder().encode(JSON.stringify(packet)).length > MAX_PACKET) {
      showError(words('too-long'));
      return false;
    }
    const li = messageLine({ ...packet, nick: st.nick }, true);
    setMark(li, 'pending', '🕓', 'sending…');
    append(li, true);
    st.pending.push({ type: packet.type, to: packet.to, message: packet.message, li });
    send(packet);
    clearError();
    return true;
  }
  function failPending(why) {
    for (const entry of st.pending.splice(0)) setMark(entry.li, 'failed', `✗ ${why}`, why);
  }

  // ---- what the server says ----
  function words(code, to, fallback) {
    switch (code) {
      case 'nick-taken': return `the name "${st.nick}" is taken: choose another`;
      case 'bad-nick': return 'a name is 1 to 32 letters and digits, and not "ALL"';
      case 'bad-password': return st.password
        ? `wrong password for "${st.nick}": type it again, or choose another name`
        : `the name "${st.nick}" is claimed: give its password, or choose another name`;
      case 'no-such-user': return `${to || 'that user'} is not online`;
      case 'not-delivered': return `${to || 'they'} did not receive it`;
      case 'rate-limited': return 'you are sending too fast: wait a moment, then send it again';
      case 'too-long': return 'the message is too long for the server';
      case 'mailbox-full': return `too many messages already wait for ${to || 'them'}`;
      case 'store-failed': return 'the server could not keep the message (is its disk full?)';
      case 'bad-packet': case 'malformed': return 'the server could not read the message';
      case 'server-full': return 'the server is full: try again later';
      case 'timeout': return 'the server stopped waiting for us';
      default: return fallback || `the server refused it (${code})`;
    }
  }
  const NOT_ANSWERS = new Set(['already-joined', 'timeout', 'malformed', 'server-full']);
  function errorPacket(p) {
    if (!st.joined) return refused(p);
    const entry = NOT_ANSWERS.has(p.code) ? null : st.pending.shift();
    const why = words(p.code, entry && entry.to, p.message);
    if (entry) setMark(entry.li, 'failed', `✗ ${why}`, `${why} (${p.code})`);
    showError(why, p.code);
  }
  function refused(p) {
    // The name may still be ours on the server after a drop: keep retrying then.
    if (p.code === 'nick-taken' && st.everJoined) return;
    giveUp(words(p.code, null, p.message), p.code === 'bad-password' ? ui.password : ui.name);
  }

  const handlers = {
    welcome: (p) => { st.ext = new Set(p.extensions || []); },
    join: (p) => {
      if (p.nick === st.nick && !st.joined) return joinedSelf();
      addUser(p.nick);
      announce(notice(`→ ${p.nick} joined`, 'join'));
    },
    leave: (p) => {
      removeUser(p.nick);
      announce(notice(`← ${p.nick} left${p.reason ? ` (${p.reason})` : ''}`, 'leave'));
    },
    kick: (p) => {
      notice(`${you(p.nick)} removed by the server: ${p.reason}`, 'leave');
      if (p.nick === st.nick) giveUp(`the server removed you: ${p.reason}`, ui.name);
    },
    chat: incoming, dm: incoming, emote: incoming,
    users: (p) => { st.users = new Set(p.nicks || []); renderUsers(); },
    error: errorPacket,
    stored: (p) => {
      const entry = st.pending.shift();
      if (!entry) return;
      track({ id: p.id, nick: st.nick, to: p.to, message: entry.message });
      entry.li.dataset.id = p.id;
      st.stored.set(p.id, entry.li);
      setMark(entry.li, 'stored', `⧗ stored for ${p.to}`, `${p.to} is offline: it waits for them`);
    },
    delivered: (p) => {
      const li = st.stored.get(p.id);
      if (li) setMark(li, 'delivered', '✓', `delivered to ${p.to}`);
      st.stored.delete(p.id);
    },
    history: historyPacket,
  };
  function receive(text) {
    let p;
    try { p = JSON.parse(text); } catch (_) { return; }
    const handle = p && handlers[p.type];
    if (handle) handle(p);
  }

  // ---- users ----
  function renderUsers() {
    const names = [...st.users].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
    ui.users.replaceChildren(...names.map((nick) => {
      const li = el('li');
      li.dataset.nick = nick;
      const b = el('button', nick === st.nick ? 'user me' : 'user', nick);
      b.type = 'button';
      if (nick === st.nick) {
        b.append(el('span', 'hint', ' (you)'));
      } else {
        b.setAttribute('aria-label', `${nick}: write to ${nick} alone`);
      }
      b.addEventListener('click', () => {
        ui.input.value = `@${nick} `;
        ui.input.focus();
      });
      li.append(b);
      return li;
    }));
    ui.userCount.textContent = String(st.users.size);
  }
  function addUser(nick) { st.users.add(nick); renderUsers(); }
  function removeUser(nick) { st.users.delete(nick); renderUsers(); }

  // ---- history ----
  // kind: 'first' (the newest page), 'older' (a page above), 'after' (missed while away)
  function askHistory(query, anchor, kind) {
    st.asks.push({ anchor, kind, limit: query.limit });
    send({ type: 'history', ...query });
  }
  function historyPacket(p) {
    const ask = st.asks.shift();
    if (!ask) return;
    const list = p.messages || [];
    const stick = ask.kind !== 'older' && atBottom();
    const fromBottom = ui.scroller.scrollHeight - ui.scroller.scrollTop;
    const anchor = ask.anchor && ask.anchor.isConnected ? ask.anchor : ui.messages.firstChild;
    for (const m of list) {
      if (st.seen.has(key(m))) continue;
      track(m);
      const type = m.to ? 'dm' : m.emote ? 'emote' : 'chat';
      const li = messageLine({ ...m, type }, m.nick === st.nick);
      li.classList.add('past');
      ui.messages.insertBefore(li, anchor);
    }
    if (ask.kind === 'older') {
      st.loadingOlder = false;
      ui.scroller.scrollTop = ui.scroller.scrollHeight - fromBottom; // keep what was in view
    } else if (stick) {
      toBottom();
    }
    if (ask.kind !== 'after' && list.length < ask.limit) st.exhausted = true;
    ui.historyNote.hidden = st.oldest === null;
    ui.historyNote.textContent = st.exhausted ? 'the beginning of the history'
      : 'scroll up for older messages';
  }
  function loadOlder() {
    if (!st.joined || !st.ext.has('history') || st.loadingOlder || st.exhausted) return;
    if (st.oldest === null) return;
    st.loadingOlder = true;
    askHistory({ before: st.oldest, limit: PAGE }, ui.messages.firstChild, 'older');
  }

  // ---- the connection ----
  function wsUrl(text) {
    const t = text.trim();
    if (/^wss?:\/\//i.test(t)) return t;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${t.replace(/^https?:\/\//i, '').replace(/\/.*$/, '')}/ws`;
  }
  const host = () => st.url.replace(/^wss?:\/\//i, '').replace(/\/ws$/, '');
  function send(packet) {
    if (st.ws && st.ws.readyState === WebSocket.OPEN) st.ws.send(JSON.stringify(packet));
  }
  function open() {
    clearRetry();
    if (st.ws) { // Connect pressed twice: one connection only
      const old = st.ws;
      st.ws = null;
      old.close();
    }
    setStatus(st.everJoined ? `reconnecting to ${host()}…` : `connecting to ${host()}…`, 'connecting');
    let ws;
    try {
      ws = new WebSocket(st.url);
    } catch (_) {
      giveUp(`"${ui.server.value}" is not a server address`, ui.server);
      return;
    }
    Object.assign(st, { ws, joined: false, ext: new Set(), asks: [] });
    const timer = setTimeout(() => {
      if (ws !== st.ws || ws.readyState === WebSocket.OPEN) return;
      ws.close();
      closed();
    }, OPEN_TIMEOUT);
    ws.onopen = () => {
      clearTimeout(timer);
      const hello = { type: 'hello', nick: st.nick, extensions: EXTENSIONS };
      if (st.password) hello.password = st.password;
      if (ws === st.ws) send(hello);
    };
    ws.onmessage = (e) => { if (ws === st.ws) receive(e.data); };
    ws.onclose = (e) => { if (ws === st.ws) closed(e.reason); };
  }
  function joinedSelf() {
    const again = st.everJoined;
    Object.assign(st, { joined: true, everJoined: true, attempt: 0 });
    ui.connect.hidden = true;
    ui.disconnect.hidden = false;
    ui.input.disabled = ui.sendButton.disabled = false;
    clearError();
    ui.input.focus();
    setStatus(`${st.nick} on ${host()} · connected`, 'connected');
    const note = notice(again ? `reconnected to ${host()} as ${st.nick}`
      : `connected to ${host()} as ${st.nick}: type a message for everyone, @name message for one person, /me action`);
    st.users = new Set([st.nick]);
    renderUsers();
    if (st.ext.has('users')) send({ type: 'users' });
    if (!st.ext.has('history')) return;
    if (again && st.newest) {
      askHistory({ after: st.newest, limit: 1000 }, note, 'after');
    } else {
      st.exhausted = false;
      askHistory({ limit: PAGE }, note, 'first');
    }
  }
  function leftChat(why) {
    st.joined = false;
    failPending(why);
    st.users.clear();
    renderUsers();
    ui.input.disabled = ui.sendButton.disabled = true;
  }
  function closed(reason) {
    st.ws = null;
    const was = st.joined;
    leftChat('connection lost');
    if (!st.wanted) return;
    if (!st.everJoined) {
      giveUp(`could not reach the chat server at ${host()}`, ui.server);
      return;
    }
    if (was) notice(reason ? `connection lost: ${reason}` : 'connection lost', 'info');
    scheduleRetry();
  }
  function scheduleRetry() {
    // 1 s, 2 s, 4 s ... 30 s, plus up to a tenth (at most 1 s) so pages do not all come at once
    const base = Math.min(CAP, 1000 * 2 ** Math.min(st.attempt, 15));
    const delay = Math.round(base + Math.random() * Math.min(1000, base / 10));
    st.attempt += 1;
    ui.reconnect.dataset.delay = delay;
    st.retryAt = Date.now() + delay;
    st.retryTimer = setTimeout(open, delay);
    st.tickTimer = setInterval(tick, 250);
    ui.reconnect.hidden = false;
    setStatus(`${st.nick} · disconnected`, 'disconnected');
    tick();
  }
  function tick() {
    const secs = Math.max(1, Math.round((st.retryAt - Date.now()) / 1000));
    ui.reconnectText.textContent = `connection lost: reconnecting in ${secs} s`;
  }
  function clearRetry() {
    clearTimeout(st.retryTimer);
    clearInterval(st.tickTimer);
    ui.reconnect.hidden = true;
  }
  function stop() {
    st.wanted = false;
    clearRetry();
    const ws = st.ws;
    st.ws = null;
    if (ws) ws.close(1000);
    leftChat('disconnected');
    ui.connect.hidden = false;
    ui.disconnect.hidden = true;
  }
  function giveUp(why, field) {
    stop();
    setStatus('not connected', '');
    ui.connectError.textContent = why;
    field.focus();
  }

  // ---- the user's actions ----
  ui.connect.addEventListener('submit', (e) => {
    e.preventDefault();
    const nick = ui.name.value.trim();
    ui.connectError.textContent = '';
    if (!/^[A-Za-z0-9]{1,32}$/.test(nick) || nick.toUpperCase() === 'ALL') {
      ui.connectError.textContent = words('bad-nick');
      ui.name.focus();
      return;
    }
    Object.assign(st, { nick, password: ui.password.value, url: wsUrl(ui.server.value) });
    Object.assign(st, { wanted: true, everJoined: false, attempt: 0 });
    try { sessionStorage.setItem('chat.name', nick); } catch (_) { /* storage off */ }
    open();
  });
  ui.disconnect.addEventListener('click', () => {
    const was = st.joined;
    stop();
    setStatus('not connected', '');
    if (was) notice('disconnected');
    ui.name.focus();
  });
  ui.retry.addEventListener('click', open);
  ui.send.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = ui.input.value;
    if (text.trim() && sendLine(text)) ui.input.value = '';
  });
  ui.scroller.addEventListener('scroll', () => { if (ui.scroller.scrollTop < 80) loadOlder(); });

  // The name is remembered per tab (a reload keeps it); the server is the page's own.
  try { ui.name.value = sessionStorage.getItem('chat.name') || ''; } catch (_) { /* off */ }
  ui.server.value = location.host;
  (ui.name.value ? ui.password : ui.name).focus();
})();
