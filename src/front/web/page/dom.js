// The chat page, loaded first of its scripts: the page's elements, the helpers that make new
// ones, and the state the other scripts share, all on one global, `Chat`. Each script is a
// classic one (no modules, no eval, no inline styles: the server's CSP allows none of them)
// that adds its part to `Chat`; user text only ever goes through textContent.
'use strict';
window.Chat = (() => {
  const ui = {};
  for (const id of ['status', 'disconnect', 'connect', 'name', 'password', 'server',
    'connect-error', 'reconnect', 'reconnect-text', 'retry', 'scroller', 'history-note',
    'messages', 'users', 'users-label', 'user-count', 'error', 'send', 'input', 'send-button',
    'announce', 'rooms-panel', 'rooms', 'join-form', 'join-room', 'room-head', 'room-title',
    'topic', 'topic-edit', 'topic-form', 'topic-input', 'topic-cancel', 'part']) {
    ui[id.replace(/-(.)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
  }

  const st = {
    ws: null, nick: '', password: '', url: '',
    wanted: false, // Connect was pressed and Disconnect was not
    joined: false, // our own join came: we are in the chat
    everJoined: false, // joined since Connect was pressed: a drop is then retried
    ext: new Set(),
    attempt: 0, retryTimer: 0, tickTimer: 0, retryAt: 0,
    // What we asked and the server has not answered yet, in order: Parts 4 and 8 answer
    // every request, in order, with its echo or an error.
    requests: [],
    stored: new Map(), // id -> own line kept for an offline user
    users: new Set(), // everyone online
    views: new Map(), // '#lobby', then each room joined, in the order joined -> its view
    current: null, // the view shown
  };

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
  const you = (nick) => (nick === st.nick ? 'you' : nick);
  const byName = (a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' });

  return {
    ui, st, el, timeEl, announce, setStatus, showError, clearError, you, byName,
    LOBBY: '#lobby',
    PAGE: 50, // history entries per page
  };
})();
