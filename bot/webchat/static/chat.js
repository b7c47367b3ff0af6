/* Child-facing web chat for the Rasa socket.io channel.
 * Server text is never parsed as HTML: everything is built from DOM nodes.
 * Nothing is loaded from other hosts. */
(function () {
  "use strict";

  /* ---- UI strings: from locales/<lang>/webchat.yml, served by the server as /ui-strings.js ---- */
  var STRINGS = (window.OCSEA_STRINGS && typeof window.OCSEA_STRINGS === "object") ? window.OCSEA_STRINGS : {};
  if (!STRINGS.en) STRINGS.en = {};
  /* Help numbers per language and country ("" = not known), also from /ui-strings.js:
   * { lang: { countryCode: text } }. Shown by "Get help now" even when the socket is down. */
  var HELP = (window.OCSEA_HELP && typeof window.OCSEA_HELP === "object") ? window.OCSEA_HELP : {};

  /* Everything is kept in sessionStorage only: this tab, until it is closed. A new tab, or the next
   * person picking up the phone, starts a new conversation. */
  var KEY_SESSION = "ocsea_session";       // sessionStorage: {session_id, signature}, issued by the server
  var KEY_TRANSCRIPT = "ocsea_transcript"; // sessionStorage
  var KEY_OUTBOX = "ocsea_outbox";         // sessionStorage: messages the server has not acknowledged yet
  var KEY_LANG = "ocsea_lang";             // sessionStorage: last language the server used
  var KEY_COUNTRY = "ocsea_country";       // sessionStorage: last country the server used
  var KEY_URGENT = "ocsea_urgent";         // sessionStorage: "1" while the conversation is urgent
  var HUMAN_PAYLOAD = "/request_human";    // "Talk to a person": never disabled
  var MAX_LEN = 2000;
  var COUNTER_FROM = 1800;
  var TYPING_TIMEOUT_MS = 10000;
  var BURST_MS = 1500;         // bot messages closer together than this belong to one reply
  var SLOW_CONNECT_MS = 8000;  // still not connected after this: offer help in the status bar too
  var ESC_PRESSES = 3;
  var ESC_WINDOW_MS = 2000;
  var MAX_TRANSCRIPT = 400;
  var DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";
  var EXIT_BEACON_URL = "/webhooks/webchat/exit";
  var ACK_TIMEOUT_MS = 60000;  // no acknowledgement by then: send again (the server ignores a duplicate)
  var RETRY_MS = 2000;
  // Page texts not (yet) in every locales/<lang>/webchat.yml: English until they are.
  var FALLBACK = { elsewhere: "This chat is open in another tab. Write a message to continue it here." };

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
    status: $("status"), statusBar: $("status-bar"), messages: $("messages"), typing: $("typing"), typingText: $("typing-text"),
    form: $("composer"), label: $("input-label"), input: $("message-input"), send: $("send-button"),
    counter: $("counter"),
    help: $("help-now"), statusHelp: $("status-help"), panel: $("help-panel"), panelTitle: $("help-title"),
    panelIntro: $("help-intro"), panelText: $("help-text"), panelClose: $("help-close"),
    urgent: $("urgent"), urgentTitle: $("urgent-title"), urgentText: $("urgent-text")
  };

  /* ---- state ---- */
  var exiting = false;
  var socket = null;
  var confirmed = false;     // session_confirm received on the current connection
  var everConfirmed = false;
  var statusKey = null;
  var typingTimer = null;
  var escTimes = [];
  sDel("localStorage", KEY_SESSION); // older pages kept the session here: never again
  var session = loadSession();
  var inflight = null;       // the outbox item sent and not acknowledged yet (one at a time)
  var takenOver = false;     // this session was opened in another tab: do not reconnect by itself
  var transcript = loadArray(KEY_TRANSCRIPT).filter(function (m) {
    return m && (m.who === "bot" || m.who === "user") && typeof m.text === "string";
  });
  var outbox = loadArray(KEY_OUTBOX).filter(function (m) {
    return m && typeof m.message === "string";
  });
  outbox.forEach(function (m) { if (typeof m.id !== "string") m.id = newId(); });
  var lang = pickLang();
  var country = normCountry(sGet("sessionStorage", KEY_COUNTRY));
  var urgent = sGet("sessionStorage", KEY_URGENT) === "1";
  var connectFailed = false; // a connection attempt failed since the last confirmed session
  var helpOpener = null;     // the control that opened the help panel, to give focus back
  var burstAnchor = null;    // first bot message of the current reply: it is scrolled to its top
  var lastBotAt = 0;
  var seq = Date.now();

  function loadSession() {
    try {
      var v = JSON.parse(sGet("sessionStorage", KEY_SESSION) || "null");
      if (v && typeof v.session_id === "string" && typeof v.signature === "string") {
        return { session_id: v.session_id, signature: v.signature };
      }
    } catch (e) { /* fall through */ }
    return null;
  }

  // A random id per message, so the server can ignore a message sent twice.
  function newId() {
    try {
      if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    } catch (e) { /* not a secure context */ }
    var b = new Uint8Array(16);
    try { window.crypto.getRandomValues(b); } catch (e) {
      for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = "";
    for (var j = 0; j < 16; j++) h += (b[j] + 0x100).toString(16).slice(1);
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function normCountry(code) {
    if (typeof code !== "string") return "";
    code = code.trim().toUpperCase();
    return /^[A-Z]{2}$/.test(code) ? code : ""; // "unknown" and anything odd: not known
  }

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
    sDel("sessionStorage", KEY_SESSION);
    sDel("sessionStorage", KEY_TRANSCRIPT);
    sDel("sessionStorage", KEY_OUTBOX);
    sDel("sessionStorage", KEY_LANG);
    sDel("sessionStorage", KEY_COUNTRY);
    sDel("sessionStorage", KEY_URGENT);
    transcript = [];
    outbox = [];
    inflight = null;
    session = null;
    if (el.messages) clearNode(el.messages);
    if (el.input) el.input.value = "";
    if (el.typing) el.typing.hidden = true;
    if (el.status) el.status.textContent = "";
    if (el.panel) el.panel.hidden = true;
    if (el.urgent) el.urgent.hidden = true;
    if (el.panelText) clearNode(el.panelText);
    if (el.urgentText) clearNode(el.urgentText);
  }

  function quickExit() {
    if (exiting) return;
    exiting = true;
    var url = exitUrl();
    // (a) tell the server, fire and forget: on the socket (it knows its session), and as a beacon,
    //     which the browser delivers even while the socket is down or the page is already gone
    try {
      if (socket && socket.connected) socket.emit("quick_exit");
    } catch (e) { /* never block leaving */ }
    try {
      if (session && navigator.sendBeacon) {
        var body = JSON.stringify({ session_id: session.session_id, signature: session.signature });
        navigator.sendBeacon(EXIT_BEACON_URL, new Blob([body], { type: "text/plain" }));
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

  // Phone numbers: 3 to 16 digits, optionally grouped by single spaces or dashes ("116", "0800 1111",
  // "1-800-422-4453", "116 111"). Not inside words, URLs, paths or decimals; not ISO dates.
  var PHONE_RE = /\+?\d(?:[ \u00a0-]?\d)*/g;
  var PHONE_BEFORE = /[\w\/.@#&=?%+:-]/;
  var PHONE_AFTER = /[\w\/@%]/;
  function appendPhones(parent, str) {
    var last = 0;
    var match;
    PHONE_RE.lastIndex = 0;
    while ((match = PHONE_RE.exec(str)) !== null) {
      var raw = match[0];
      var start = match.index;
      var end = start + raw.length;
      var before = start > 0 ? str.charAt(start - 1) : "";
      var after = str.charAt(end);
      var digits = raw.replace(/[^\d]/g, "");
      if (digits.length < 3 || digits.length > 16) continue;
      if (before && PHONE_BEFORE.test(before)) continue;
      if (after && (PHONE_AFTER.test(after) || (/[.,:]/.test(after) && /\d/.test(str.charAt(end + 1))))) continue;
      if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) continue;
      if (start > last) parent.appendChild(document.createTextNode(str.slice(last, start)));
      var a = document.createElement("a");
      a.href = "tel:" + (raw.charAt(0) === "+" ? "+" : "") + digits;
      a.className = "tel";
      a.textContent = raw;
      parent.appendChild(a);
      last = end;
    }
    if (last < str.length) parent.appendChild(document.createTextNode(str.slice(last)));
  }

  function scrollToTopOf(node) {
    var m = el.messages;
    if (!m || !node) return;
    var top = Math.max(0, node.getBoundingClientRect().top - m.getBoundingClientRect().top + m.scrollTop - 8);
    if (!reduceMotion && typeof m.scrollTo === "function") {
      try { m.scrollTo({ top: top, behavior: "smooth" }); return; } catch (e) { /* old browsers */ }
    }
    m.scrollTop = top;
  }

  // Turn http(s) URLs into safe links and phone numbers into tel: links; everything else is a text node.
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
      if (start > last) appendPhones(parent, str.slice(last, start));
      var a = document.createElement("a");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.referrerPolicy = "no-referrer";
      a.textContent = trimmed;
      parent.appendChild(a);
      last = end;
    }
    if (last < str.length) appendPhones(parent, str.slice(last));
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

  function whoSaid(who) {
    return t(who === "person" ? "counsellorSaid" : who === "bot" ? "botSaid" : "youSaid");
  }

  function buildBubble(entry) {
    var div = document.createElement("div");
    div.className = "msg " + entry.who + (entry.person ? " person" : "") + (entry.pending ? " pending" : "");
    div.setAttribute("data-id", entry.id);
    var prefix = document.createElement("span");
    prefix.className = "visually-hidden who";
    prefix.setAttribute("data-who", entry.person ? "person" : entry.who);
    prefix.textContent = whoSaid(prefix.getAttribute("data-who")) + " ";
    div.appendChild(prefix);
    if (entry.person) { // a counsellor, not the bot: said where the child can see it
      var from = document.createElement("span");
      from.className = "from";
      from.setAttribute("aria-hidden", "true");
      from.textContent = t("counsellor");
      div.appendChild(from);
    }
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
      b.className = "quick-reply" + (c.payload === HUMAN_PAYLOAD ? " is-human" : "");
      b.setAttribute("data-payload", c.payload);
      b.textContent = c.title;
      b.addEventListener("click", function (ev) {
        if (b.disabled || exiting) return;
        var fromKeyboard = ev.detail === 0;
        noteCountryChoice(c.payload);
        var entry = addEntry({ who: "user", text: c.title, pending: true });
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
      for (var j = 0; j < btns.length; j++) {
        // "Talk to a person" stays usable in every set of buttons, old or new.
        btns[j].disabled = !active && btns[j].getAttribute("data-payload") !== HUMAN_PAYLOAD;
      }
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
    if (entry.who === "bot") {
      // Show a new bot message from its top, so the child reads it from the start. Several messages
      // in one reply keep the first one's top in view: the child scrolls on when ready.
      var now = Date.now();
      if (!burstAnchor || now - lastBotAt > BURST_MS) burstAnchor = entry.id;
      lastBotAt = now;
      scrollToTopOf(el.messages.querySelector('.msg[data-id="' + burstAnchor + '"]'));
    } else {
      burstAnchor = null;
      scrollToEnd();
    }
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
    if ((key === "connecting" || key === "reconnecting") && navigator.onLine === false) key = "offline";
    statusKey = key;
    el.status.textContent = key ? statusText(key) : "";
    // Online, a message waits only for its answer: its "will send when connected" note is hidden.
    el.messages.classList.toggle("is-online", key === "connected");
    // Down: the page cannot reach the server. "Get help now" is offered in the banner too.
    var down = key === "reconnecting" || key === "offline" || (key === "connecting" && connectFailed);
    el.status.classList.toggle("is-warning", down);
    if (el.statusBar) el.statusBar.classList.toggle("is-down", down);
    if (el.statusHelp) {
      if (!down && el.statusHelp === document.activeElement && el.help) el.help.focus();
      el.statusHelp.hidden = !down;
    }
  }
  function statusText(key) {
    return t(key) || FALLBACK[key] || "";
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
    el.help.textContent = t("helpNow");
    el.statusHelp.textContent = t("helpNow");
    el.panelTitle.textContent = t("helpTitle");
    el.panelIntro.textContent = t("helpIntro");
    el.panelClose.textContent = t("helpClose");
    el.urgentTitle.textContent = t("urgentTitle");
    renderHelp();
    el.messages.setAttribute("aria-label", t("log"));
    if (statusKey) el.status.textContent = statusText(statusKey);
    var prefixes = el.messages.querySelectorAll(".who");
    for (var i = 0; i < prefixes.length; i++) {
      prefixes[i].textContent = whoSaid(prefixes[i].getAttribute("data-who")) + " ";
    }
    var froms = el.messages.querySelectorAll(".from");
    for (var f = 0; f < froms.length; f++) froms[f].textContent = t("counsellor");
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

  /* ---- get help now: numbers for the child's language and country ---- */
  function helpText() {
    var table = (HELP[lang] && typeof HELP[lang] === "object") ? HELP[lang] : (HELP.en || {});
    if (typeof table[country] === "string") return table[country];
    if (typeof table[""] === "string") return table[""];
    var en = HELP.en || {};
    return typeof en[country] === "string" ? en[country] : (typeof en[""] === "string" ? en[""] : "");
  }
  function renderHelp() {
    var text = helpText();
    if (el.panelText) {
      clearNode(el.panelText);
      if (!el.panel.hidden) appendRich(el.panelText, text);
    }
    if (el.urgentText) {
      clearNode(el.urgentText);
      if (urgent) appendRich(el.urgentText, text);
    }
    // The open help panel shows the same numbers: then the urgent banner steps aside.
    if (el.urgent) el.urgent.hidden = !urgent || !el.panel.hidden;
    if (el.help) el.help.classList.toggle("is-urgent", urgent);
  }
  function setHelpExpanded(open) {
    var v = open ? "true" : "false";
    if (el.help) el.help.setAttribute("aria-expanded", v);
    if (el.statusHelp) el.statusHelp.setAttribute("aria-expanded", v);
  }
  function openHelp(opener) {
    if (exiting || !el.panel) return;
    helpOpener = opener || el.help;
    el.panel.hidden = false;
    setHelpExpanded(true);
    renderHelp();
    el.panelTitle.focus();
  }
  function closeHelp(giveFocusBack) {
    if (!el.panel || el.panel.hidden) return;
    el.panel.hidden = true;
    setHelpExpanded(false);
    renderHelp();
    if (giveFocusBack) {
      var target = helpOpener && !helpOpener.hidden ? helpOpener : el.help;
      if (target) target.focus();
    }
    helpOpener = null;
  }
  function toggleHelp(ev) {
    if (el.panel.hidden) openHelp(ev.currentTarget);
    else closeHelp(true);
  }
  function setCountry(code) {
    code = normCountry(code);
    if (code === country) return;
    country = code;
    if (code) sSet("sessionStorage", KEY_COUNTRY, code);
    else sDel("sessionStorage", KEY_COUNTRY);
    renderHelp();
  }
  function setUrgent(on) {
    on = !!on;
    if (on === urgent) return;
    urgent = on;
    if (on) sSet("sessionStorage", KEY_URGENT, "1");
    else sDel("sessionStorage", KEY_URGENT);
    renderHelp();
  }
  // A country button sets the help panel's country at once; the server's reply confirms it.
  function noteCountryChoice(payload) {
    var m = /^\/inform_country(\{.*\})$/.exec(payload || "");
    if (!m) return;
    try {
      var entities = JSON.parse(m[1]);
      if (entities && typeof entities.country === "string") setCountry(entities.country);
    } catch (e) { /* not a country button */ }
  }

  el.help.addEventListener("click", toggleHelp);
  el.statusHelp.addEventListener("click", toggleHelp);
  el.panelClose.addEventListener("click", function () { closeHelp(true); });
  document.addEventListener("keydown", function (ev) {
    if ((ev.key === "Escape" || ev.key === "Esc") && !exiting && !el.panel.hidden) closeHelp(true);
  });

  /* ---- sending ----
   * A message leaves the outbox only when the server acknowledges it ({ok: true, id}), which it
   * does once the turn is answered. One message at a time, each after the previous answer; after a
   * reconnect the unacknowledged one is sent again with the same id (the server ignores a
   * duplicate and sends its answer again). Until then the child's bubble stays "pending". */
  function send(message, metadata, entryId) {
    outbox.push({ id: newId(), message: message, metadata: metadata, ref: entryId || null });
    saveOutbox();
    if (takenOver) resume();
    flush();
  }

  function isOnline() {
    return !!(socket && socket.connected && confirmed && session);
  }

  function removeFromOutbox(item) {
    outbox = outbox.filter(function (m) { return m.id !== item.id; });
    saveOutbox();
  }

  function flush() {
    if (exiting || inflight || !outbox.length || !isOnline()) return;
    var item = outbox[0];
    var sock = socket;
    inflight = item;
    showTyping();
    sock.timeout(ACK_TIMEOUT_MS).emit("user_uttered", {
      id: item.id,
      message: item.message,
      metadata: item.metadata || {}
    }, function (err, ack) {
      if (inflight !== item) return; // a disconnect already put it back in line
      inflight = null;
      if (exiting) return;
      if (err || !ack || typeof ack !== "object") {
        // no answer in time, or the connection went: it stays queued and goes again
        setTimeout(flush, RETRY_MS);
        return;
      }
      if (ack.ok) {
        removeFromOutbox(item);
        markSent(item.ref);
        saveTranscript();
        flush();
      } else if (ack.error === "no_session") {
        confirmed = false;
        requestSession();
      } else if (ack.error === "slow_down") {
        setTimeout(flush, 1000 * (ack.retry_after || 2)); // too many at once: it stays queued, sent a little later
      } else {
        removeFromOutbox(item); // refused as malformed: sending it again would not help
        hideTyping();
        flush();
      }
    });
  }

  function submit() {
    if (exiting) return;
    var text = el.input.value.trim();
    if (!text) { el.input.value = el.input.value.trim(); autoGrow(); updateCounter(); return; }
    if (text.length > MAX_LEN) text = text.slice(0, MAX_LEN);
    var entry = addEntry({ who: "user", text: text, pending: true });
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
    var meta = (data.metadata && typeof data.metadata === "object") ? data.metadata : {};
    if (meta.language) setLang(meta.language);
    if (typeof meta.country === "string") setCountry(meta.country);
    if (typeof meta.urgent === "boolean") setUrgent(meta.urgent);
    var text = typeof data.text === "string" ? data.text : "";
    var choices = normaliseChoices(data.quick_replies).concat(normaliseChoices(data.buttons));
    // Attachments (images etc.) are deliberately never shown.
    if (!text.trim() && !choices.length) return;
    var entry = { who: "bot", text: text };
    if (meta.from === "counsellor") entry.person = true; // a counsellor's words in a live chat
    // A reply sent again (its message was resent after a lost acknowledgement) is shown once.
    if (typeof data.id === "string" && data.id) {
      if (shownReply(data.id)) return;
      entry.rid = data.id;
    }
    if (choices.length) entry.choices = choices;
    addEntry(entry);
  }

  function shownReply(rid) {
    for (var i = transcript.length - 1; i >= 0; i--) {
      if (transcript[i].rid === rid) return true;
    }
    return false;
  }

  /* ---- socket ---- */
  function requestSession() {
    if (!socket || !socket.connected || exiting) return;
    // Only the server's own signed session is presented; the server binds it to this socket.
    socket.emit("session_request", session ? { session_id: session.session_id, signature: session.signature } : {});
  }

  // This session was taken over by another tab; the child wrote here: take it back.
  function resume() {
    takenOver = false;
    setStatus("reconnecting");
    if (socket && !socket.connected) socket.connect();
  }

  function connect() {
    if (typeof window.io !== "function") {
      connectFailed = true;
      setStatus("reconnecting");
      return;
    }
    socket = window.io({ path: "/socket.io", transports: ["websocket", "polling"] });
    setTimeout(function () {
      if (exiting || confirmed) return;
      connectFailed = true;
      setStatus(everConfirmed ? "reconnecting" : "connecting");
    }, SLOW_CONNECT_MS);

    socket.on("connect", function () {
      if (exiting) return;
      confirmed = false;
      inflight = null;
      requestSession();
    });

    socket.on("session_confirm", function (data) {
      if (exiting) return;
      if (!data || typeof data.session_id !== "string" || typeof data.signature !== "string") return;
      session = { session_id: data.session_id, signature: data.signature };
      sSet("sessionStorage", KEY_SESSION, JSON.stringify(session));
      confirmed = true;
      everConfirmed = true;
      connectFailed = false;
      takenOver = false;
      setStatus("connected");
      flush();
    });

    socket.on("session_error", function () {
      if (exiting) return;
      confirmed = false;
      requestSession();
    });

    // The same conversation was opened in another tab (a duplicated tab): that one has it now.
    socket.on("session_taken", function () {
      if (exiting) return;
      takenOver = true;
      confirmed = false;
      inflight = null;
      hideTyping();
      setStatus("elsewhere");
    });

    socket.on("bot_uttered", onBotUttered);

    socket.on("disconnect", function (reason) {
      confirmed = false;
      inflight = null; // unacknowledged: it stays in the outbox and goes again after reconnecting
      if (exiting) return;
      hideTyping();
      if (takenOver) { setStatus("elsewhere"); return; }
      setStatus("reconnecting");
      // The server closed the socket on purpose: socket.io will not retry by itself.
      if (reason === "io server disconnect") {
        setTimeout(function () { if (!exiting && !takenOver && !socket.connected) socket.connect(); }, 1500);
      }
    });

    socket.on("connect_error", function () {
      connectFailed = true;
      if (!exiting) setStatus(everConfirmed ? "reconnecting" : "connecting");
    });
    if (socket.io && typeof socket.io.on === "function") {
      socket.io.on("reconnect_attempt", function () {
        if (!exiting) setStatus("reconnecting");
      });
    }
  }

  window.addEventListener("offline", function () { if (!exiting) setStatus("offline"); });
  window.addEventListener("online", function () {
    if (!exiting && !takenOver) setStatus(isOnline() ? "connected" : "reconnecting");
  });

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
