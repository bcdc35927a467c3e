// History (docs/PROTOCOL.md Parts 5 and 8): each view's newest page when it opens, what it
// missed while the connection was down, and older pages when it is scrolled to the top.
'use strict';
(() => {
  const C = window.Chat;
  const { ui, st } = C;

  // page: 'first' (the newest page), 'older' (a page above), 'after' (missed while away);
  // the lines come above `anchor`.
  function ask(view, query, anchor, page) {
    const room = C.isLobby(view) ? {} : { room: view.room };
    C.request({ type: 'history', ...room, ...query }, { view, anchor, page, limit: query.limit });
  }
  // What `view` starts with: its newest page, or (seen some already) what came since.
  C.fillHistory = (view, anchor) => {
    if (!st.ext.has('history')) return;
    if (view.newest) {
      ask(view, { after: view.newest, limit: 1000 }, anchor, 'after');
    } else {
      view.exhausted = false;
      ask(view, { limit: C.PAGE }, anchor, 'first');
    }
  };
  C.historyPacket = (p) => {
    const asked = C.answered('history');
    if (!asked) return;
    const { view } = asked;
    if (st.views.get(view.room) !== view) return; // left meanwhile
    const shown = view === st.current;
    const list = p.messages || [];
    const stick = asked.page !== 'older' && shown && C.atBottom();
    const fromBottom = ui.scroller.scrollHeight - ui.scroller.scrollTop;
    const anchor = asked.anchor && asked.anchor.parentNode === view.ol
      ? asked.anchor : view.ol.firstChild;
    for (const m of list) {
      if (view.seen.has(C.key(m))) continue;
      C.track(view, m);
      const type = m.to ? 'dm' : m.emote ? 'emote' : 'chat';
      const li = C.messageLine({ ...m, type }, m.nick === st.nick);
      li.classList.add('past');
      view.ol.insertBefore(li, anchor);
    }
    if (asked.page === 'older') {
      view.loadingOlder = false;
      if (shown) ui.scroller.scrollTop = ui.scroller.scrollHeight - fromBottom; // keep the view
    } else if (stick) {
      C.toBottom();
    }
    if (asked.page !== 'after' && list.length < asked.limit) view.exhausted = true;
    if (shown) C.renderHistoryNote();
  };
  C.loadOlder = () => {
    const view = st.current;
    if (!st.joined || !st.ext.has('history') || view.loadingOlder || view.exhausted) return;
    if (view.oldest === null) return;
    view.loadingOlder = true;
    ask(view, { before: view.oldest, limit: C.PAGE }, view.ol.firstChild, 'older');
  };
})();
