// The server's error codes (docs/PROTOCOL.md Parts 4, 5 and 8) as sentences for a person,
// worded for the request they answer.
'use strict';
(() => {
  const C = window.Chat;
  const { st } = C;

  // `ask`: the request the error answers, when there is one ({kind, to, room, nick}).
  C.words = (code, ask, fallback) => {
    const a = ask || {};
    const room = a.room || 'that room';
    switch (code) {
      case 'nick-taken': return `the name "${st.nick}" is taken: choose another`;
      case 'bad-nick': return 'a name is 1 to 32 letters and digits, and not "ALL"';
      case 'bad-password': return st.password
        ? `wrong password for "${st.nick}": type it again, or choose another name`
        : `the name "${st.nick}" is claimed: give its password, or choose another name`;
      case 'no-such-user': return `${a.to || 'that user'} is not online`;
      case 'not-delivered': return `${a.to || 'they'} did not receive it`;
      case 'rate-limited': return 'you are sending too fast: wait a moment, then send it again';
      case 'too-long': return 'the message is too long for the server';
      case 'mailbox-full': return `too many messages already wait for ${a.to || 'them'}`;
      case 'store-failed': return 'the server could not keep the message (is its disk full?)';
      case 'bad-packet': case 'malformed': return 'the server could not read the message';
      case 'server-full': return 'the server is full: try again later';
      case 'timeout': return 'the server stopped waiting for us';
      case 'no-such-room': return `there is no room ${room}`;
      case 'not-in-room': return a.kind === 'kick'
        ? `${a.nick} is not in ${room}` : `you are not in ${room}`;
      case 'not-operator': return a.kind === 'kick'
        ? `only the operator of ${room} can remove people from it`
        : `only the operator of ${room} can set its topic`;
      case 'too-many-rooms': return 'you are in as many rooms as the server allows: leave one first';
      case 'room-full': return `${room} is full: no one else can join it now`;
      case 'bad-room': return 'a room name is # and 1 to 32 letters, digits, - or _';
      case 'topic-too-long': return 'the topic is too long: at most 300 bytes';
      case 'room-limit': return 'the server holds as many rooms as it can: join one that exists';
      case 'lobby': return 'everyone is in the lobby: it cannot be left';
      default: return fallback || `the server refused it (${code})`;
    }
  };
})();
