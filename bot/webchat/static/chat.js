/* Child-facing web chat for the Rasa socket.io channel.
 * Server text is never parsed as HTML: everything is built from DOM nodes.
 * Nothing is loaded from other hosts. */
(function () {
  "use strict";

  /* ---- UI strings: from locales/<lang>/webchat.yml, served by the server as /ui-strings.js ---- */
  var STRINGS = (window.OCSEA_STRINGS && typeof window.OCSEA_STRINGS === "object") ? window.OCSEA_STRINGS : {};
  if (!STRINGS.en) STRINGS.en = {};

  var KEY_SESSION = "ocsea_session";       // localStorage
  var KEY_TRANSCRIPT = "ocsea_transcript"; // sessionStorage
  var KEY_OUTBOX = "ocsea_outbox";         // sessionStorage: messages not yet sent
  var KEY_LANG = "ocsea_lang";             // sessionStorage: last language the server used
  var MAX_LEN = 2000;
  var COUNTER_FROM = 1800;
  var TYPING_TIMEOUT_MS = 10000;
  var ESC_PRESSES = 3;
  var ESC_WINDOW_MS = 2000;
  var MAX_TRANSCRIPT = 400;
  var DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";

  /* ---- storage helpers (storage can throw in private modes) ---- */
  function sGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function sSet(store, key, value) {
    try { window[store].setItem(key, value); } catch (e) { /* ignore */ }
  }
  function sDel(store, key) {
    try { window[store].removeItem(key); } catch (e) { /* ignore */ }
  }
  function loadArray(key) {
    try {
      var v = JSON.parse(sGet("sessionStorage", key) || "[]");
      return Array.isArray(v) ? v : [];
    } catch (e) { return []; }
  }

  /* ---- elements ---- */
  var $ = function (id) { return document.getElementById(id); };
  var el = {
    title: $("title"), subtitle: $("subtitle"), exit: $("quick-exit"), hint: $("quick-exit-hint"),
    status: $("status"), messages: $("messages"), typing: $("typing"), typingText: $("typing-text"),
    form: $("composer"), label: $("input-label"), input: $("message-input"), send: $("send-button"),
    counter: $("counter")
  };

  /* ---- state ---- */
  var exiting = false;
  var socket = null;
  var confirmed = false;     // session_confirm received on the current connection
  var everConfirmed = false;
  var statusKey = null;
  var typingTimer = null;
  var escTimes = [];
  var sessionId = sGet("localStorage", KEY_SESSION) || null;
  var transcript = loadArray(KEY_TRANSCRIPT).filter(function (m) {
    return m && (m.who === "bot" || m.who === "user") && typeof m.text === "string";
  });
  var outbox = loadArray(KEY_OUTBOX).filter(function (m) {
    return m && typeof m.message === "string";
  });
  var lang = pickLang();
  var seq = Date.now();

  function pickLang() {
    var stored = sGet("sessionStorage", KEY_LANG);
    if (stored && STRINGS[stored]) return stored;
    var htmlLang = (document.documentElement.getAttribute("lang") || "en").toLowerCase().split("-")[0];
    return STRINGS[htmlLang] ? htmlLang : "en";
  }
  function t(key) {
    var s = STRINGS[lang] || STRINGS.en;
    if (s[key] != null) return s[key];
    return STRINGS.en[key] != null ? STRINGS.en[key] : "";
  }

  /* ---- quick exit (wired first so it works even if the rest fails) ---- */
  function exitUrl() {
    var meta = document.querySelector('meta[name="quick-exit-url"]');
    var raw = meta && meta.getAttribute("content");
    try {
      var u = new URL(raw || DEFAULT_EXIT_URL, window.location.href);
      if (u.protocol === "http:" || u.protocol === "https:") return u.href;
    } catch (e) { /* fall through */ }
    return DEFAULT_EXIT_URL;
  }

  function forgetEverything() {
    sDel("localStorage", KEY_SESSION);
    sDel("sessionStorage", KEY_TRANSCRIPT);
    sDel("sessionStorage", KEY_OUTBOX);
    sDel("sessionStorage", KEY_LANG);
    transcript = [];
    outbox = [];
    sessionId = null;
    if (el.messages) clearNode(el.messages);
    if (el.input) el.input.value = "";
    if (el.typing) el.typing.hidden = true;
    if (el.status) el.status.textContent = "";
  }

  function quickExit() {
    if (exiting) return;
    exiting = true;
    var url = exitUrl();
    // (a) tell the server, fire and forget
    try {
      if (socket && socket.connected) {
        socket.emit("quick_exit", { session_id: sessionId });
      }
    } catch (e) { /* never block leaving */ }
    // (b) forget the chat in this browser
    try { forgetEverything(); } catch (e) { /* ignore */ }
    try { document.title = ""; } catch (e) { /* ignore */ }
    // (c) leave, replacing this history entry so Back does not return here
    try { window.location.replace(url); } catch (e) { window.location.href = url; }
  }

  if (el.exit) el.exit.addEventListener("click", quickExit);
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape" && ev.key !== "Esc") return;
    var now = Date.now();
    escTimes.push(now);
    escTimes = escTimes.filter(function (ts) { return now - ts <= ESC_WINDOW_MS; });
    if (escTimes.length >= ESC_PRESSES) {
      ev.preventDefault();
      quickExit();
    }
  }, true);

  /* ---- DOM helpers ---- */
  function clearNode(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function scrollToEnd() {
    var m = el.messages;
    if (!m) return;
    if (!reduceMotion && typeof m.scrollTo === "function") {
      try { m.scrollTo({ top: m.scrollHeight, behavior: "smooth" }); return; } catch (e) { /* old browsers */ }
    }
    m.scrollTop = m.scrollHeight;
  }

  // Turn http(s) URLs into safe links; everything else is a text node.
  var URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
  function appendLinkified(parent, str) {
    var last = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(str)) !== null) {
      var raw = match[0];
      var trimmed = raw.replace(/[.,;:!?)\]}*]+$/, "");
      var start = match.index;
      var end = start + trimmed.length;
      URL_RE.lastIndex = end > start ? end : start + raw.length;
      var href = null;
      try {
        var u = new URL(trimmed);
        if (u.protocol === "http:" || u.protocol === "https:") href = u.href;
      } catch (e) { href = null; }
      if (!href) continue;
      if (start > last) parent.appendChild(document.createTextNode(str.slice(last, start)));
      var a = document.createElement("a");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.referrerPolicy = "no-referrer";
      a.textContent = trimmed;
      parent.appendChild(a);
      last = end;
    }
    if (last < str.length) parent.appendChild(document.createTextNode(str.slice(last)));
  }

  // Minimal **bold** support, then links.
  function appendRich(parent, text) {
    var re = /\*\*([^*\n](?:[^*\n]|\*(?!\*))*?)\*\*/g;
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) appendLinkified(parent, text.slice(last, m.index));
      var strong = document.createElement("strong");
      appendLinkified(strong, m[1]);
      parent.appendChild(strong);
      last = m.index + m[0].length;
    }
    if (last < text.length) appendLinkified(parent, text.slice(last));
  }

  function buildBubble(entry) {
    var div = document.createElement("div");
    div.className = "msg " + entry.who + (entry.pending ? " pending" : "");
    div.setAttribute("data-id", entry.id);
    var prefix = document.createElement("span");
    prefix.className = "visually-hidden who";
    prefix.setAttribute("data-who", entry.who);
    prefix.textContent = (entry.who === "bot" ? t("botSaid") : t("youSaid")) + " ";
    div.appendChild(prefix);
    var body = document.createElement("span");
    body.className = "text";
    if (entry.who === "bot") appendRich(body, entry.text);
    else body.appendChild(document.createTextNode(entry.text));
    div.appendChild(body);
    if (entry.pending) {
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = t("waiting");
      div.appendChild(note);
    }
    return div;
  }

  function buildChoices(entry) {
    var group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("choices"));
    group.setAttribute("data-for", entry.id);
    entry.choices.forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "quick-reply";
      b.textContent = c.title;
      b.addEventListener("click", function (ev) {
        if (b.disabled || exiting) return;
        var fromKeyboard = ev.detail === 0;
        var entry = addEntry({ who: "user", text: c.title, pending: !isOnline() || undefined });
        send(c.payload, { button: true }, entry.id);
        if (fromKeyboard && el.input) el.input.focus();
      });
      group.appendChild(b);
    });
    return group;
  }

  function appendEntryDom(entry) {
    el.messages.appendChild(buildBubble(entry));
    if (entry.who === "bot" && entry.choices && entry.choices.length) {
      el.messages.appendChild(buildChoices(entry));
    }
  }

  // Only the newest set of buttons, and only if the child has not written since, stays active.
  function refreshChoices() {
    var activeId = null;
    for (var i = transcript.length - 1; i >= 0; i--) {
      var e = transcript[i];
      if (e.who === "user") break;
      if (e.choices && e.choices.length) { activeId = e.id; break; }
    }
    var groups = el.messages.querySelectorAll(".choices");
    for (var g = 0; g < groups.length; g++) {
      var active = groups[g].getAttribute("data-for") === activeId;
      var btns = groups[g].querySelectorAll("button");
      for (var j = 0; j < btns.length; j++) btns[j].disabled = !active;
    }
  }

  function saveTranscript() {
    if (exiting) return;
    if (transcript.length > MAX_TRANSCRIPT) transcript = transcript.slice(-MAX_TRANSCRIPT);
    sSet("sessionStorage", KEY_TRANSCRIPT, JSON.stringify(transcript));
  }
  function saveOutbox() {
    if (exiting) return;
    sSet("sessionStorage", KEY_OUTBOX, JSON.stringify(outbox));
  }

  function addEntry(entry) {
    entry.id = "m" + (seq++).toString(36);
    transcript.push(entry);
    saveTranscript();
    appendEntryDom(entry);
    refreshChoices();
    scrollToEnd();
    return entry;
  }

  function renderAll() {
    clearNode(el.messages);
    transcript.forEach(appendEntryDom);
    refreshChoices();
    el.messages.scrollTop = el.messages.scrollHeight;
  }

  function markSent(entryId) {
    if (!entryId) return;
    for (var i = 0; i < transcript.length; i++) {
      if (transcript[i].id === entryId) { delete transcript[i].pending; break; }
    }
    var node = el.messages.querySelector('.msg[data-id="' + entryId + '"]');
    if (node) {
      node.classList.remove("pending");
      var note = node.querySelector(".note");
      if (note) node.removeChild(note);
    }
  }

  /* ---- status / typing ---- */
  function setStatus(key) {
    statusKey = key;
    el.status.textContent = key ? t(key) : "";
    el.status.classList.toggle("is-warning", key === "reconnecting");
  }
  function showTyping() {
    el.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    typingTimer = null;
    el.typing.hidden = true;
  }

  /* ---- language ---- */
  function applyStrings() {
    document.documentElement.setAttribute("lang", lang);
    document.title = t("title");
    el.title.textContent = t("title");
    el.subtitle.textContent = t("subtitle");
    el.exit.textContent = t("quickExit");
    el.hint.textContent = t("quickExitHint");
    el.label.textContent = t("inputLabel");
    el.input.setAttribute("placeholder", t("placeholder"));
    el.send.textContent = t("send");
    el.typingText.textContent = t("typing");
    el.messages.setAttribute("aria-label", t("log"));
    if (statusKey) el.status.textContent = t(statusKey);
    var prefixes = el.messages.querySelectorAll(".who");
    for (var i = 0; i < prefixes.length; i++) {
      prefixes[i].textContent = (prefixes[i].getAttribute("data-who") === "bot" ? t("botSaid") : t("youSaid")) + " ";
    }
    var notes = el.messages.querySelectorAll(".note");
    for (var n = 0; n < notes.length; n++) notes[n].textContent = t("waiting");
    var groups = el.messages.querySelectorAll(".choices");
    for (var g = 0; g < groups.length; g++) groups[g].setAttribute("aria-label", t("choices"));
    updateCounter();
  }
  function setLang(code) {
    if (typeof code !== "string") return;
    code = code.toLowerCase().split("-")[0];
    if (!STRINGS[code] || code === lang) return;
    lang = code;
    sSet("sessionStorage", KEY_LANG, code);
    applyStrings();
  }

  /* ---- sending ---- */
  function send(message, metadata, entryId) {
    outbox.push({ message: message, metadata: metadata, ref: entryId || null });
    saveOutbox();
    flush();
  }

  function isOnline() {
    return !!(socket && socket.connected && confirmed && sessionId);
  }

  function flush() {
    if (exiting || !socket || !socket.connected || !confirmed || !sessionId) return;
    while (outbox.length) {
      var item = outbox.shift();
      socket.emit("user_uttered", {
        message: item.message,
        session_id: sessionId,
        metadata: item.metadata || {}
      });
      markSent(item.ref);
      showTyping();
    }
    saveOutbox();
    saveTranscript();
  }

  function submit() {
    if (exiting) return;
    var text = el.input.value.trim();
    if (!text) { el.input.value = el.input.value.trim(); autoGrow(); updateCounter(); return; }
    if (text.length > MAX_LEN) text = text.slice(0, MAX_LEN);
    var entry = addEntry({ who: "user", text: text, pending: !isOnline() || undefined });
    el.input.value = "";
    autoGrow();
    updateCounter();
    send(text, { language: STRINGS[lang] ? lang : null }, entry.id);
  }

  /* ---- input ---- */
  function autoGrow() {
    var i = el.input;
    var m = el.messages;
    var atEnd = m.scrollHeight - m.scrollTop - m.clientHeight < 24;
    i.style.height = "auto";
    i.style.height = Math.min(i.scrollHeight + 4, 140) + "px";
    if (atEnd) m.scrollTop = m.scrollHeight; // keep the newest message in view
  }
  function updateCounter() {
    var n = el.input.value.length;
    if (n >= COUNTER_FROM) {
      el.counter.hidden = false;
      el.counter.textContent = t("charsUsed").replace("{n}", String(n)).replace("{max}", String(MAX_LEN));
      el.counter.classList.toggle("is-full", n >= MAX_LEN);
    } else {
      el.counter.hidden = true;
      el.counter.textContent = "";
    }
  }

  el.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submit();
  });
  el.input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submit();
    }
  });
  el.input.addEventListener("input", function () {
    autoGrow();
    updateCounter();
  });

  /* ---- receiving ---- */
  function normaliseChoices(list) {
    if (!Array.isArray(list)) return [];
    return list.filter(function (c) {
      return c && typeof c.title === "string" && c.title.trim();
    }).map(function (c) {
      return { title: c.title, payload: typeof c.payload === "string" && c.payload ? c.payload : c.title };
    });
  }

  function onBotUttered(data) {
    if (exiting) return;
    hideTyping();
    if (typeof data === "string") data = { text: data };
    if (!data || typeof data !== "object") return;
    if (data.metadata && typeof data.metadata === "object" && data.metadata.language) {
      setLang(data.metadata.language);
    }
    var text = typeof data.text === "string" ? data.text : "";
    var choices = normaliseChoices(data.quick_replies).concat(normaliseChoices(data.buttons));
    // Attachments (images etc.) are deliberately never shown.
    if (!text.trim() && !choices.length) return;
    var entry = { who: "bot", text: text };
    if (choices.length) entry.choices = choices;
    addEntry(entry);
  }

  /* ---- socket ---- */
  function connect() {
    if (typeof window.io !== "function") {
      setStatus("reconnecting");
      return;
    }
    socket = window.io({ path: "/socket.io", transports: ["websocket", "polling"] });

    socket.on("connect", function () {
      if (exiting) return;
      confirmed = false;
      socket.emit("session_request", { session_id: sessionId || null });
    });

    socket.on("session_confirm", function (data) {
      if (exiting) return;
      var id = typeof data === "string" ? data : (data && typeof data.session_id === "string" ? data.session_id : null);
      if (id) {
        sessionId = id;
        sSet("localStorage", KEY_SESSION, id);
      }
      confirmed = true;
      everConfirmed = true;
      setStatus("connected");
      flush();
    });

    socket.on("bot_uttered", onBotUttered);

    socket.on("disconnect", function (reason) {
      confirmed = false;
      if (exiting) return;
      hideTyping();
      setStatus("reconnecting");
      // The server closed the socket on purpose: socket.io will not retry by itself.
      if (reason === "io server disconnect") {
        setTimeout(function () { if (!exiting) socket.connect(); }, 1500);
      }
    });

    socket.on("connect_error", function () {
      if (!exiting) setStatus(everConfirmed ? "reconnecting" : "connecting");
    });
    if (socket.io && typeof socket.io.on === "function") {
      socket.io.on("reconnect_attempt", function () {
        if (!exiting) setStatus("reconnecting");
      });
    }
  }

  /* ---- start ---- */
  applyStrings();
  renderAll();
  updateCounter();
  setStatus("connecting");
  if (!transcript.length && !outbox.some(function (m) { return m.message === "/greet"; })) {
    // Let the bot speak first; not shown as a child bubble.
    send("/greet", { button: true });
  }
  connect();
})();
