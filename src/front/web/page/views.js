// Views: the lobby and each room joined has its own list of lines, history paging, unread
// count, members and topic. The one shown is the page's #messages; the others wait detached.
// This script also draws what goes with the view shown: the room list, the room's head
// (name, topic, buttons) and the user list (everyone in the lobby, the members in a room).
'use strict';
(() => {
  const C = window.Chat;
  const { ui, st, el } = C;

  function makeView(room, ol) {
    const view = {
      room, ol: ol || el('ol'),
      unread: 0,
      scroll: null, // where the view was scrolled when left (null: at the bottom)
      members: new Set(), operator: '', topic: '',
      seen: new Set(), // messages shown (see C.key): none is shown twice
      oldest: null, newest: 0, exhausted: false, loadingOlder: false,
    };
    st.views.set(room, view);
    return view;
  }
  st.current = makeView(C.LOBBY, ui.messages);
  C.makeView = makeView;
  C.lobby = () => st.views.get(C.LOBBY);
  C.isLobby = (view) => view.room === C.LOBBY;
  // The view of packet `p`'s room (a `chat` without one, or with `#lobby`, is the lobby's).
  C.viewOf = (p) => st.views.get(p.room || C.LOBBY);

  // ---- lines ----
  const atBottom = () => ui.scroller.scrollHeight - ui.scroller.scrollTop
    - ui.scroller.clientHeight < 40;
  const toBottom = () => { ui.scroller.scrollTop = ui.scroller.scrollHeight; };
  C.atBottom = atBottom;
  C.toBottom = toBottom;
  C.append = (view, li, stick) => {
    const shown = view === st.current;
    const follow = shown && (stick || atBottom());
    view.ol.append(li);
    if (follow) toBottom();
    return li;
  };
  C.notice = (view, text, kind) => {
    const li = el('li', `notice ${kind || 'info'}`);
    li.dataset.kind = kind || 'info';
    li.append(C.timeEl(), el('span', 'body', text));
    return C.append(view, li);
  };
  // A notice about the connection goes to every view: it is news wherever one looks.
  C.noticeAll = (text, kind) => {
    for (const view of st.views.values()) C.notice(view, text, kind);
  };
  // A notice said aloud when its view is shown.
  C.tell = (view, text, kind) => {
    const li = C.notice(view, text, kind);
    if (view === st.current) C.announce(li);
    return li;
  };
  // A new message in `view`: said aloud when shown, else counted as unread.
  C.arrived = (view, li) => {
    if (view === st.current) {
      C.announce(li);
    } else {
      view.unread += 1;
      renderRooms();
    }
  };

  // ---- switching ----
  C.show = (view) => {
    const was = st.current;
    if (view === was || !st.views.has(view.room)) return;
    was.scroll = atBottom() ? null : ui.scroller.scrollTop;
    was.ol.removeAttribute('id');
    was.ol.replaceWith(view.ol);
    view.ol.id = 'messages';
    st.current = view;
    view.unread = 0;
    ui.topicForm.hidden = true;
    C.render();
    if (view.scroll === null) toBottom(); else ui.scroller.scrollTop = view.scroll;
  };
  // Forgets the room `room` (parted, kicked): the lobby is shown instead when it was.
  C.drop = (room) => {
    const view = st.views.get(room);
    if (!view || C.isLobby(view)) return;
    if (view === st.current) C.show(C.lobby());
    st.views.delete(room);
    renderRooms();
  };

  // ---- drawing ----
  function renderRooms() {
    let total = 0;
    ui.rooms.replaceChildren(...[...st.views.values()].map((view, i) => {
      total += view.unread;
      const li = el('li');
      li.dataset.room = view.room;
      const b = el('button', 'room', view.room);
      b.type = 'button';
      if (view === st.current) {
        b.classList.add('current');
        b.setAttribute('aria-current', 'true');
      }
      const unread = el('span', 'unread', String(view.unread));
      unread.hidden = view.unread === 0;
      b.append(unread);
      if (i < 9) b.title = `Alt+${i + 1}`;
      b.setAttribute('aria-label', view.unread ? `${view.room}, ${view.unread} unread` : view.room);
      b.addEventListener('click', () => { C.show(view); ui.input.focus(); });
      li.append(b);
      return li;
    }));
    document.title = total ? `(${total}) chat` : 'chat';
  }
  function renderHead() {
    const view = st.current;
    const rooms = st.ext.has('rooms');
    ui.roomsPanel.hidden = !rooms;
    ui.roomHead.hidden = !rooms;
    ui.roomTitle.textContent = view.room;
    const room = !C.isLobby(view);
    ui.topic.textContent = room ? view.topic || 'no topic' : 'everyone online';
    ui.topic.classList.toggle('none', room && !view.topic);
    ui.topicEdit.hidden = !room || !st.joined || view.operator !== st.nick;
    ui.part.hidden = !room || !st.joined;
    ui.input.placeholder = room
      ? `message ${view.room}, @name for one person, /me for an action, /part to leave`
      : 'message everyone, @name for one person, /me for an action';
  }
  function renderUsers() {
    const view = st.current;
    const lobby = C.isLobby(view);
    const names = [...(lobby ? st.users : view.members)].sort(C.byName);
    ui.users.replaceChildren(...names.map((nick) => {
      const li = el('li');
      li.dataset.nick = nick;
      const b = el('button', nick === st.nick ? 'user me' : 'user', nick);
      b.type = 'button';
      if (nick === st.nick) b.append(el('span', 'hint', ' (you)'));
      if (!lobby && nick === view.operator) b.append(el('span', 'hint op', ' operator'));
      if (nick !== st.nick) b.setAttribute('aria-label', `${nick}: write to ${nick} alone`);
      b.addEventListener('click', () => {
        ui.input.value = `@${nick} `;
        ui.input.focus();
      });
      li.append(b);
      return li;
    }));
    ui.usersLabel.textContent = lobby ? 'Users' : `In ${view.room}`;
    ui.userCount.textContent = String(names.length);
  }
  function renderHistoryNote() {
    const view = st.current;
    ui.historyNote.hidden = view.oldest === null;
    ui.historyNote.textContent = view.exhausted ? 'the beginning of the history'
      : 'scroll up for older messages';
  }
  C.renderRooms = renderRooms;
  C.renderHead = renderHead;
  C.renderUsers = renderUsers;
  C.renderHistoryNote = renderHistoryNote;
  C.render = () => { renderRooms(); renderHead(); renderUsers(); renderHistoryNote(); };
  // Draws what depends on `view`, when it is the one shown.
  C.renderIf = (view) => {
    if (view !== st.current) return;
    renderHead();
    renderUsers();
  };
})();
