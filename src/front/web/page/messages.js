// Messages: their lines and delivery marks, the requests waiting for their answer, what the
// user types (a message, @name, /me, or a room command) and what the server answers.
'use strict';
(() => {
  const C = window.Chat;
  const { st, el, showError } = C;
  const MAX_PACKET = 65407; // bytes of JSON the server takes (Part 4, Framing)

  // ---- lines ----
  C.messageLine = (m, mine) => {
    const li = el('li', `msg ${m.type}${mine ? ' own' : ''}`);
    li.dataset.kind = m.type;
    if (m.id != null) li.dataset.id = m.id;
    const body = el('span', 'body');
    if (m.type === 'emote') {
      body.append(el('span', 'who', `* ${m.nick} `), m.message);
    } else {
      const who = m.type === 'dm' ? `${mine ? 'you' : m.nick} → ${C.you(m.to)}` : m.nick;
      if (m.nick === '*server*') li.classList.add('server');
      body.append(el('span', 'who', `${who}: `), m.message);
    }
    li.append(C.timeEl(m.time), body);
    if (m.stored) li.append(el('span', 'note', ' (while you were away)'));
    return li;
  };
  function setMark(li, state, text, title) {
    let mark = li.querySelector('.mark');
    if (!mark) li.append(' ', (mark = el('span', 'mark')));
    mark.dataset.state = state;
    mark.textContent = text;
    mark.title = title;
  }
  // An id alone is not enough: a server restarted without its store counts from 1 again.
  C.key = (m) => [m.id, m.nick, m.to || '', m.message].join('\u0000');
  // The view whose history holds `m`: a direct message is in the lobby's (Part 5).
  C.historyView = (m) => (m.to ? C.lobby() : C.viewOf(m));
  C.track = (view, m) => {
    view.seen.add(C.key(m));
    if (view.oldest === null || m.id < view.oldest) view.oldest = m.id;
    if (m.id > view.newest) view.newest = m.id;
  };

  // ---- requests and their answers ----
  C.send = (packet) => {
    if (st.ws && st.ws.readyState === WebSocket.OPEN) st.ws.send(JSON.stringify(packet));
  };
  // Sends `packet`, remembering it (with `more`) until its answer comes.
  C.request = (packet, more) => {
    st.requests.push({ kind: packet.type, room: packet.room, ...more });
    C.send(packet);
  };
  // The request a packet of type `kind` answers (the first of that kind: answers come in order).
  C.answered = (kind) => {
    const i = st.requests.findIndex((r) => r.kind === kind);
    return i < 0 ? null : st.requests.splice(i, 1)[0];
  };

  C.incoming = (p) => {
    const mine = p.nick === st.nick;
    const home = C.historyView(p);
    const entry = mine ? C.answered(p.type) : null;
    if (entry) {
      if (p.id != null && home) { C.track(home, p); entry.li.dataset.id = p.id; }
      setMark(entry.li, 'delivered', '✓', 'delivered');
      return;
    }
    // A direct message is shown where one is looking; the rest in their room.
    const view = p.type === 'dm' ? st.current : home;
    if (!view) return;
    if (p.id != null) {
      if (home.seen.has(C.key(p))) return;
      C.track(home, p);
    }
    C.arrived(view, C.append(view, C.messageLine(p, mine)));
  };
  C.stored = (p) => {
    const entry = C.answered('dm');
    if (!entry) return;
    C.track(C.lobby(), { id: p.id, nick: st.nick, to: p.to, message: entry.message });
    entry.li.dataset.id = p.id;
    st.stored.set(p.id, entry.li);
    setMark(entry.li, 'stored', `⧗ stored for ${p.to}`, `${p.to} is offline: it waits for them`);
  };
  C.delivered = (p) => {
    const li = st.stored.get(p.id);
    if (li) setMark(li, 'delivered', '✓', `delivered to ${p.to}`);
    st.stored.delete(p.id);
  };
  // Connection gone: nothing asked will be answered.
  C.failPending = (why) => {
    for (const entry of st.requests.splice(0)) {
      if (entry.li) setMark(entry.li, 'failed', `✗ ${why}`, why);
      if (entry.view) entry.view.loadingOlder = false;
    }
  };

  const NOT_ANSWERS = new Set(['already-joined', 'timeout', 'malformed', 'server-full']);
  C.errorPacket = (p) => {
    if (!st.joined) { C.refused(p); return; }
    const entry = NOT_ANSWERS.has(p.code) ? null : st.requests.shift();
    const why = C.words(p.code, entry, p.message);
    if (entry && entry.li) setMark(entry.li, 'failed', `✗ ${why}`, `${why} (${p.code})`);
    if (entry && entry.view) entry.view.loadingOlder = false;
    if (entry && entry.rejoin) C.lostRoom(entry.room, `could not join ${entry.room} again: ${why}`);
    showError(why, p.code);
  };

  // ---- what the user types ----
  function parse(text) {
    const view = st.current;
    const room = C.isLobby(view) ? {} : { room: view.room };
    let m;
    if ((m = /^\/me\s+(\S[\s\S]*)$/.exec(text))) {
      return st.ext.has('emote') ? { type: 'emote', ...room, message: m[1] }
        : { type: 'chat', ...room, message: text };
    }
    if ((m = /^@(\S+)\s*([\s\S]*)$/.exec(text))) {
      if (!m[2].trim()) return `type a message after @${m[1]}`;
      if (m[1].toUpperCase() === 'ALL') return { type: 'chat', message: m[2] };
      if (!st.ext.has('dm')) return 'this server does not support direct messages';
      return { type: 'dm', to: m[1], message: m[2] };
    }
    if (/^\/\S/.test(text) && !text.startsWith('//')) {
      const command = C.roomCommand(text);
      if (command !== undefined) return command;
      const also = st.ext.has('rooms') ? ', /join #room, /part, /topic text' : '';
      return `unknown command ${text.split(/\s/)[0]}: type a message, @name message, or /me action${also}`;
    }
    return { type: 'chat', ...room, message: text.startsWith('//') ? text.slice(1) : text };
  }
  C.sendLine = (text) => {
    if (!st.joined) { showError('not connected: connect first'); return false; }
    const packet = parse(text);
    if (packet === null) { C.clearError(); return true; } // done on the page
    if (typeof packet === 'string') { showError(packet); return false; }
    if (new TextEncoder().encode(JSON.stringify(packet)).length > MAX_PACKET) {
      showError(C.words('too-long'));
      return false;
    }
    if (['chat', 'emote', 'dm'].includes(packet.type)) {
      const view = st.current;
      const li = C.messageLine({ ...packet, nick: st.nick }, true);
      setMark(li, 'pending', '🕓', 'sending…');
      C.append(view, li, true);
      C.request(packet, { to: packet.to, message: packet.message, li });
    } else {
      C.roomRequest(packet);
    }
    C.clearError();
    return true;
  };
})();
