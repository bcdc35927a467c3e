// The connection: one WebSocket to /ws, each text frame one JSON packet (docs/PROTOCOL.md
// Part 6); the hello, joining the chat (and the rooms we were in, again), and reconnecting
// by itself after a drop, waiting longer each time, until the user disconnects.
'use strict';
(() => {
  const C = window.Chat;
  const { ui, st, setStatus } = C;
  const EXTENSIONS = ['dm', 'emote', 'users', 'events', 'auth', 'offline', 'history', 'rooms'];
  const CAP = 30000; // longest wait between reconnection attempts, ms
  const OPEN_TIMEOUT = 10000; // a server that neither accepts nor refuses, ms

  C.wsUrl = (text) => {
    const t = text.trim();
    if (/^wss?:\/\//i.test(t)) return t;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${t.replace(/^https?:\/\//i, '').replace(/\/.*$/, '')}/ws`;
  };
  const host = () => st.url.replace(/^wss?:\/\//i, '').replace(/\/ws$/, '');

  C.open = () => {
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
    C.failPending('connection lost'); // a connection replaced answers nothing more
    Object.assign(st, { ws, joined: false, ext: new Set() });
    const timer = setTimeout(() => {
      if (ws !== st.ws || ws.readyState === WebSocket.OPEN) return;
      ws.close();
      closed();
    }, OPEN_TIMEOUT);
    ws.onopen = () => {
      clearTimeout(timer);
      const hello = { type: 'hello', nick: st.nick, extensions: EXTENSIONS };
      if (st.password) hello.password = st.password;
      if (ws === st.ws) C.send(hello);
    };
    ws.onmessage = (e) => { if (ws === st.ws) C.receive(e.data); };
    ws.onclose = (e) => { if (ws === st.ws) closed(e.reason); };
  };
  C.joinedSelf = () => {
    const again = st.everJoined;
    Object.assign(st, { joined: true, everJoined: true, attempt: 0 });
    ui.connect.hidden = true;
    ui.disconnect.hidden = false;
    ui.input.disabled = ui.sendButton.disabled = false;
    C.clearError();
    ui.input.focus();
    setStatus(`${st.nick} on ${host()} · connected`, 'connected');
    const rooms = st.ext.has('rooms') ? ', /join #room to join a room' : '';
    const note = C.notice(C.lobby(), again ? `reconnected to ${host()} as ${st.nick}`
      : `connected to ${host()} as ${st.nick}: type a message for everyone, @name message for one person, /me action${rooms}`);
    st.users = new Set([st.nick]);
    C.render();
    if (st.ext.has('users')) C.request({ type: 'users' });
    C.fillHistory(C.lobby(), note);
    C.rejoin();
  };
  function leftChat(why) {
    st.joined = false;
    C.failPending(why);
    st.users.clear();
    for (const view of st.views.values()) view.members.clear();
    ui.topicForm.hidden = true;
    C.render();
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
    if (was) C.noticeAll(reason ? `connection lost: ${reason}` : 'connection lost', 'info');
    scheduleRetry();
  }
  function scheduleRetry() {
    // 1 s, 2 s, 4 s ... 30 s, plus up to a tenth (at most 1 s) so pages do not all come at once
    const base = Math.min(CAP, 1000 * 2 ** Math.min(st.attempt, 15));
    const delay = Math.round(base + Math.random() * Math.min(1000, base / 10));
    st.attempt += 1;
    ui.reconnect.dataset.delay = delay;
    st.retryAt = Date.now() + delay;
    st.retryTimer = setTimeout(C.open, delay);
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
  C.stop = () => {
    st.wanted = false;
    clearRetry();
    const ws = st.ws;
    st.ws = null;
    if (ws) ws.close(1000);
    leftChat('disconnected');
    ui.connect.hidden = false;
    ui.disconnect.hidden = true;
  };
  function giveUp(why, field) {
    C.stop();
    setStatus('not connected', '');
    ui.connectError.textContent = why;
    field.focus();
  }
  C.giveUp = giveUp;
  // An error before we are in the chat: the hello was refused.
  C.refused = (p) => {
    // The name may still be ours on the server after a drop: keep retrying then.
    if (p.code === 'nick-taken' && st.everJoined) return;
    giveUp(C.words(p.code, null, p.message), p.code === 'bad-password' ? ui.password : ui.name);
  };
})();
