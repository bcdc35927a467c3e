// A placeholder page: the real one replaces these three files. Text is always rendered as
// text (textContent), never as HTML.
"use strict";
(function () {
  const log = document.getElementById("log");
  const join = document.getElementById("join");
  const say = document.getElementById("say");
  const line = document.getElementById("line");
  let ws = null;

  function show(text, cls) {
    const li = document.createElement("li");
    li.textContent = text;
    if (cls) li.className = cls;
    log.appendChild(li);
  }

  function received(p) {
    switch (p.type) {
      case "welcome": show("connected as " + p.nick); join.hidden = true; say.hidden = false; break;
      case "join": show("→ " + p.nick + " joined"); break;
      case "leave": show("← " + p.nick + " left"); break;
      case "chat": show(p.nick + ": " + p.message); break;
      case "dm": show(p.nick + " → " + p.to + ": " + p.message); break;
      case "emote": show("* " + p.nick + " " + p.message); break;
      case "users": show("online: " + p.nicks.join(", ")); break;
      case "error": show(p.message + " (" + p.code + ")", "error"); break;
    }
  }

  join.addEventListener("submit", function (e) {
    e.preventDefault();
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws");
    const nick = document.getElementById("nick").value;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", nick: nick, extensions: ["dm", "emote", "users", "events"] }));
    };
    ws.onmessage = function (m) { received(JSON.parse(m.data)); };
    ws.onclose = function (c) { show("disconnected " + c.code + " " + c.reason, "error"); };
  });

  say.addEventListener("submit", function (e) {
    e.preventDefault();
    const text = line.value;
    line.value = "";
    const dm = /^@(\w+)\s+(.*)$/.exec(text);
    if (dm && dm[1] !== "ALL") ws.send(JSON.stringify({ type: "dm", to: dm[1], message: dm[2] }));
    else if (text === "/users") ws.send(JSON.stringify({ type: "users" }));
    else ws.send(JSON.stringify({ type: "chat", message: dm ? dm[2] : text }));
  });
})();
