// The chat page's last script: each packet the server sends, to the part of the page that
// handles it, and the user's actions (connect, disconnect, send, scroll) wired to the others.
'use strict';
(() => {
  const C = window.Chat;
  const { ui, st } = C;
  const inRoom = (p) => Boolean(p.room) && p.room !== C.LOBBY;

  // ---- the lobby: who is in the chat ----
  function joined(p) {
    if (p.nick === st.nick && !st.joined) { C.joinedSelf(); return; }
    st.users.add(p.nick);
    C.renderIf(C.lobby());
    C.tell(C.lobby(), `→ ${p.nick} joined`, 'join');
  }
  function left(p) {
    st.users.delete(p.nick);
    C.renderIf(C.lobby());
    C.tell(C.lobby(), `← ${p.nick} left${p.reason ? ` (${p.reason})` : ''}`, 'leave');
    C.rooms.gone(p.nick);
  }
  function kicked(p) {
    C.notice(C.lobby(), `${C.you(p.nick)} removed by the server: ${p.reason}`, 'leave');
    if (p.nick === st.nick) C.giveUp(`the server removed you: ${p.reason}`, ui.name);
  }

  const handlers = {
    welcome: (p) => { st.ext = new Set(p.extensions || []); },
    join: (p) => (inRoom(p) ? C.rooms.join(p) : joined(p)),
    leave: (p) => (inRoom(p) ? C.rooms.leave(p) : left(p)),
    kick: (p) => (inRoom(p) ? C.rooms.kick(p) : kicked(p)),
    chat: C.incoming,
    dm: C.incoming,
    emote: C.incoming,
    users: (p) => {
      C.answered('users');
      st.users = new Set(p.nicks || []);
      C.renderIf(C.lobby());
    },
    error: C.errorPacket,
    stored: C.stored,
    delivered: C.delivered,
    history: C.historyPacket,
    who: C.rooms.who,
    topic: C.rooms.topic,
    rooms: C.rooms.list,
  };
  C.receive = (text) => {
    let p;
    try { p = JSON.parse(text); } catch (_) { return; }
    const handle = p && Object.hasOwn(handlers, p.type) && handlers[p.type];
    if (handle) handle(p);
  };

  // ---- the user's actions ----
  ui.connect.addEventListener('submit', (e) => {
    e.preventDefault();
    const nick = ui.name.value.trim();
    ui.connectError.textContent = '';
    if (!/^[A-Za-z0-9]{1,32}$/.test(nick) || nick.toUpperCase() === 'ALL') {
      ui.connectError.textContent = C.words('bad-nick');
      ui.name.focus();
      return;
    }
    Object.assign(st, { nick, password: ui.password.value, url: C.wsUrl(ui.server.value) });
    Object.assign(st, { wanted: true, everJoined: false, attempt: 0 });
    try { sessionStorage.setItem('chat.name', nick); } catch (_) { /* storage off */ }
    C.open();
  });
  ui.disconnect.addEventListener('click', () => {
    const was = st.joined;
    C.stop();
    C.setStatus('not connected', '');
    if (was) C.noticeAll('disconnected');
    ui.name.focus();
  });
  ui.retry.addEventListener('click', C.open);
  ui.send.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = ui.input.value;
    if (text.trim() && C.sendLine(text)) ui.input.value = '';
  });
  ui.scroller.addEventListener('scroll', () => { if (ui.scroller.scrollTop < 80) C.loadOlder(); });

  // The name is remembered per tab (a reload keeps it); the server is the page's own.
  try { ui.name.value = sessionStorage.getItem('chat.name') || ''; } catch (_) { /* off */ }
  ui.server.value = location.host;
  C.render();
  (ui.name.value ? ui.password : ui.name).focus();
})();
