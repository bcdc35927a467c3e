// Rooms (docs/PROTOCOL.md Part 8, the `rooms` extension): joining and leaving them, their
// members, topics and kicks as the server tells them, the room commands typed in the input
// (/join, /part, /topic, /kick, /rooms), the room controls, and Alt+1..9 to switch.
'use strict';
(() => {
  const C = window.Chat;
  const { ui, st } = C;
  const ROOM = /^#[A-Za-z0-9_-]{1,32}$/;

  // The room named by what the user typed (`#rust`, or `rust`), or null when no room has
  // such a name.
  const roomName = (text) => {
    const t = text.trim();
    const name = t.startsWith('#') ? t : `#${t}`;
    return ROOM.test(name) ? name : null;
  };
  // The packet joining `text`'s room; null when already in it (then it is shown).
  function joinPacket(text) {
    const room = roomName(text);
    if (!room) return C.words('bad-room');
    const view = st.views.get(room);
    if (view) { C.show(view); return null; }
    return { type: 'join', room };
  }

  // What a room command typed in the input asks: a packet, a sentence saying why not, null
  // (done on the page), or undefined (not a room command).
  C.roomCommand = (text) => {
    const m = /^\/(join|part|topic|kick|rooms)(?:\s+([\s\S]*))?$/i.exec(text);
    if (!m) return undefined;
    if (!st.ext.has('rooms')) return 'this server does not support rooms';
    const arg = (m[2] || '').trim();
    const here = C.isLobby(st.current) ? null : st.current.room;
    switch (m[1].toLowerCase()) {
      case 'join': return arg ? joinPacket(arg) : 'type a room after /join, such as /join #rust';
      case 'part': {
        const room = arg ? roomName(arg) : here;
        if (arg && !room) return C.words('bad-room');
        return room && room !== C.LOBBY ? { type: 'part', room } : C.words('lobby');
      }
      case 'topic':
        if (!here) return 'the lobby has no topic: open a room first';
        return { type: 'topic', room: here, topic: arg };
      case 'kick': {
        const k = /^(\S+)\s*([\s\S]*)$/.exec(arg);
        if (!here || !k) return 'in a room, type /kick name, and a reason if you like';
        return { type: 'kick', room: here, nick: k[1], ...(k[2] && { reason: k[2] }) };
      }
      default: return { type: 'rooms' };
    }
  };
  // Sends a room request; a join the user asked for shows its room once joined.
  C.roomRequest = (packet) => {
    C.request(packet, { show: packet.type === 'join', nick: packet.nick });
  };
  // After a reconnection: the rooms we were in, joined again.
  C.rejoin = () => {
    for (const view of st.views.values()) {
      if (C.isLobby(view)) continue;
      if (st.ext.has('rooms')) C.request({ type: 'join', room: view.room }, { rejoin: true });
      else C.drop(view.room);
    }
  };
  // We are out of `room`: its view goes, and the lobby says so (`text`) when there is text.
  C.lostRoom = (room, text) => {
    C.drop(room);
    if (text) C.tell(C.lobby(), text, 'leave');
  };

  function opened(room, asked) {
    if (room === C.LOBBY) { C.show(C.lobby()); return; }
    const again = st.views.has(room);
    const view = st.views.get(room) || C.makeView(room);
    view.members.add(st.nick);
    const note = C.notice(view, again ? `back in ${room}` : `you joined ${room}`, 'join');
    C.request({ type: 'who', room });
    C.fillHistory(view, note);
    if (!asked || asked.show) C.show(view); else C.renderRooms();
  }
  const removed = (p) => `${C.you(p.by)} removed ${C.you(p.nick)} from ${p.room}${
    p.reason ? `: ${p.reason}` : ''}`;

  // The server's room packets (those that carry a `room`).
  C.rooms = {
    join(p) {
      if (p.nick === st.nick) { opened(p.room, C.answered('join')); return; }
      const view = st.views.get(p.room);
      if (!view) return;
      view.members.add(p.nick);
      C.tell(view, `→ ${p.nick} joined ${p.room}`, 'join');
      C.renderIf(view);
    },
    leave(p) {
      if (p.nick === st.nick) {
        if (p.reason === 'kicked') { C.drop(p.room); return; } // told by the kick
        C.answered('part');
        C.lostRoom(p.room, `you left ${p.room}`);
        return;
      }
      const view = st.views.get(p.room);
      if (!view) return;
      view.members.delete(p.nick);
      if (p.reason !== 'kicked') C.tell(view, `← ${p.nick} left ${p.room}`, 'leave');
      C.renderIf(view);
    },
    kick(p) {
      if (p.by === st.nick) C.answered('kick');
      if (p.nick === st.nick) { C.lostRoom(p.room, removed(p)); return; }
      const view = st.views.get(p.room);
      if (view) C.tell(view, removed(p), 'leave');
    },
    who(p) {
      C.answered('who');
      const view = st.views.get(p.room);
      if (!view) return;
      view.members = new Set(p.nicks || []);
      view.operator = p.operator || '';
      view.topic = p.topic || '';
      C.renderIf(view);
    },
    topic(p) {
      if (p.nick === st.nick) {
        C.answered('topic');
        ui.topicForm.hidden = true;
      }
      const view = st.views.get(p.room);
      if (!view) return;
      view.topic = p.topic || '';
      const who = p.nick === st.nick ? 'you' : p.nick;
      C.tell(view, view.topic ? `${who} set the topic: ${view.topic}` : `${who} cleared the topic`,
        'topic');
      C.renderIf(view);
    },
    list(p) {
      C.answered('rooms');
      const rooms = (p.rooms || []).map((r) => `${r.room} (${r.members})${
        r.topic ? ` ${r.topic}` : ''}`);
      C.tell(st.current, `rooms: ${rooms.join(' · ')}`);
    },
    // `nick` left the chat, and so every room (Part 8: told once, by the lobby's leave).
    gone(nick) {
      for (const view of st.views.values()) {
        if (C.isLobby(view) || !view.members.delete(nick)) continue;
        C.notice(view, `← ${nick} left the chat`, 'leave');
        C.renderIf(view);
      }
    },
  };

  // ---- the controls ----
  ui.joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!st.joined) { C.showError('not connected: connect first'); return; }
    const packet = joinPacket(ui.joinRoom.value);
    if (typeof packet === 'string') {
      C.showError(packet);
      ui.joinRoom.focus();
      return;
    }
    ui.joinRoom.value = '';
    C.clearError();
    if (packet) C.roomRequest(packet);
    ui.input.focus();
  });
  ui.part.addEventListener('click', () => {
    if (st.joined && !C.isLobby(st.current)) C.roomRequest({ type: 'part', room: st.current.room });
  });
  ui.topicEdit.addEventListener('click', () => {
    ui.topicInput.value = st.current.topic;
    ui.topicForm.hidden = false;
    ui.topicInput.focus();
  });
  ui.topicCancel.addEventListener('click', () => { ui.topicForm.hidden = true; });
  ui.topicForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!st.joined || C.isLobby(st.current)) return;
    C.roomRequest({ type: 'topic', room: st.current.room, topic: ui.topicInput.value });
  });
  document.addEventListener('keydown', (e) => {
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (!digit || !e.altKey || e.ctrlKey || e.metaKey) return;
    const view = [...st.views.values()][Number(digit[1]) - 1];
    if (!view) return;
    e.preventDefault();
    C.show(view);
  });
})();
