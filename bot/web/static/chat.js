// Lotse web chat (full page at /chat, and inside the widget's frame with ?embed=1).
//
// Protocol: POST /api/chat {session, text, language, source} → {messages, language, dir, error?,
// erased?, retry_after?}: the answers to one message. GET /api/events?session=… (server-sent
// events): what Lotse says unasked, e.g. that a counsellor took the request, and what a counsellor
// writes ({kind: "counsellor", author: "Anna vom Beratungsteam schreibt:"}), with the buttons
// "Passt" / "Anderer Termin" under a proposed appointment; the answer to "Passt" carries
// {download: {url, title}}: the calendar file, fetched with this chat's id (README: "The web chat").
// Each event has an id; once shown, the page acknowledges it (POST /api/events/ack {session, id};
// a reconnecting EventSource also sends Last-Event-ID). Until then the server sends it again on
// the next stream, so the page skips an id it has already shown (kept per chat in local storage).
// `session` is the chat's id (a UUID this page keeps, the `chatId()` below).
// Bot and user texts are inserted as text, never as HTML; only links to allowlisted hosts
// become links. Nothing is loaded from anywhere but this origin.
(function () {
  "use strict";
  var root = document.documentElement;
  var main = document.querySelector(".chat");
  var log = document.getElementById("log");
  var statusLine = document.getElementById("status");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var picker = document.getElementById("language");
  var closeButton = document.getElementById("close");

  var KEYS = { chat: "lotse.session", language: "lotse.language", history: "lotse.history",
               pending: "lotse.pending", source: "lotse.source", switched: "lotse.switched",
               seen: "lotse.seen" };
  var HISTORY_LIMIT = 200;
  var SEEN_LIMIT = 200;
  var TYPING_AFTER_MS = 300;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 30000;
  var BIDI_MARKS = /[\u200e\u200f\u2066-\u2069]/g;
  var CALENDAR_PATH = "/api/appointment.ics?";
  var URL_PATTERN = /https?:\/\/[^\s<>"'()\u200e\u200f\u2066-\u2069]+[^\s<>"'().,;:!?\u200e\u200f\u2066-\u2069]/g;

  var embedded = main.getAttribute("data-embed") === "1";
  var linkHosts = parseJson(main.getAttribute("data-link-hosts"), []);
  var texts = {
    offline: main.getAttribute("data-offline-text"),
    pending: main.getAttribute("data-pending-text"),
    typing: main.getAttribute("data-typing-text"),
    readAloud: main.getAttribute("data-read-aloud-text"),
    you: main.getAttribute("data-you-text")
  };
  var queue = [];       // messages not yet answered: {text, shown}; kept across reloads
  var history = [];     // what the log shows: {kind, text, buttons}; kept across reloads
  var busy = false;
  var retryDelay = RETRY_MIN_MS;
  var retryTimer = null;
  var typingTimer = null;

  // --- storage ---------------------------------------------------------------------------------
  // The chat id and the language live in local storage (they survive closing the browser).
  // What was written (history, unsent messages) lives in session storage: it survives reloads,
  // and is gone when the tab is closed, so a shared computer does not keep it. Memory is the
  // fallback where the browser allows no storage (some embedded frames).
  function makeStore(kind) {
    var memory = {};
    function area() { try { return window[kind]; } catch (e) { return null; } }
    return {
      get: function (key) {
        try { return area().getItem(key); } catch (e) { return key in memory ? memory[key] : null; }
      },
      set: function (key, value) {
        try { area().setItem(key, value); } catch (e) { memory[key] = value; }
      },
      remove: function (key) {
        try { area().removeItem(key); } catch (e) { /* memory only */ }
        delete memory[key];
      }
    };
  }
  var store = makeStore("localStorage");
  var written = makeStore("sessionStorage");
  function parseJson(text, fallback) {
    try { var value = JSON.parse(text); return value === null ? fallback : value; } catch (e) { return fallback; }
  }
  function chatId() {
    var id = store.get(KEYS.chat);
    if (!id || !/^[0-9a-f-]{36}$/.test(id)) {
      id = window.crypto.randomUUID ? window.crypto.randomUUID() : randomUuid();
      store.set(KEYS.chat, id);
    }
    return id;
  }
  function randomUuid() {
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function saveQueue() { written.set(KEYS.pending, JSON.stringify(queue.map(function (q) {
    return { text: q.text, shown: q.shown, payload: q.payload || null };
  }))); }
  function remember(entry) {
    history.push(entry);
    if (history.length > HISTORY_LIMIT) history = history.slice(-HISTORY_LIMIT);
    written.set(KEYS.history, JSON.stringify(history));
  }
  function forgetEverything() {
    stopListening();
    [KEYS.chat, KEYS.source, KEYS.seen].forEach(store.remove);
    [KEYS.history, KEYS.pending].forEach(written.remove);
    history = [];
  }

  // --- colour (from the launcher's data-colour), with readable text on it ---------------------
  function luminance(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function applyColour(colour) {
    if (!/^#[0-9a-fA-F]{6}$/.test(colour || "")) return;
    var ink = contrast(colour, "#ffffff") >= contrast(colour, "#000000") ? "#ffffff" : "#000000";
    root.style.setProperty("--brand", colour);
    root.style.setProperty("--brand-ink", ink);
    // the colour as text on white only where it is readable (WCAG AA 4.5:1)
    root.style.setProperty("--brand-text", contrast(colour, "#ffffff") >= 4.5 ? colour : "#1b1b1b");
  }

  // --- language ------------------------------------------------------------------------------
  function language() { return root.getAttribute("data-language"); }
  function setLanguage(code, dir) {
    if (!code) return;
    root.setAttribute("data-language", code);
    root.setAttribute("lang", code.split("_")[0]);
    root.setAttribute("dir", dir || "ltr");
    if (picker.querySelector('option[value="' + code + '"]')) picker.value = code;
    store.set(KEYS.language, code);
  }

  // --- showing messages ----------------------------------------------------------------------
  function allowedLink(raw) {
    try {
      var url = new URL(raw);
      if (url.protocol !== "https:" && url.protocol !== "http:") return null;
      var host = url.hostname.toLowerCase();
      return host === window.location.hostname || linkHosts.indexOf(host) >= 0 ? url.href : null;
    } catch (e) { return null; }
  }
  function fillText(element, text) {
    // text nodes, and <a> for allowlisted links: never innerHTML
    var last = 0;
    text.replace(URL_PATTERN, function (match, offset) {
      var href = allowedLink(match);
      if (!href) return match;
      element.appendChild(document.createTextNode(text.slice(last, offset)));
      var a = document.createElement("a");
      a.href = href;
      a.textContent = match;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      element.appendChild(a);
      last = offset + match.length;
      return match;
    });
    element.appendChild(document.createTextNode(text.slice(last)));
  }
  function scrollDown(element) {
    if (element.scrollIntoView) element.scrollIntoView({ block: "end" });
  }
  function addMessage(kind, text, author) {
    var li = document.createElement("div");
    li.className = "msg msg--" + kind;
    if (kind === "counsellor") {
      // a person of the advice team wrote this: said in words, seen and heard ("Anna … schreibt:")
      var from = document.createElement("p");
      from.className = "msg__from";
      from.setAttribute("dir", "auto");
      from.textContent = author || "";
      li.appendChild(from);
    } else {
      // who said it, for screen readers (sighted people see it from the side and the colour)
      var who = document.createElement("span");
      who.className = "visually-hidden";
      who.textContent = kind === "user" ? texts.you + " " : "Lotse: ";
      li.appendChild(who);
    }
    var body = document.createElement("p");
    body.className = "msg__text";
    body.setAttribute("dir", "auto");
    fillText(body, text);
    li.appendChild(body);
    if (kind === "bot") addSpeaker(li, text);
    if (kind === "counsellor") addSpeaker(li, (author ? author + " " : "") + text);
    log.appendChild(li);
    scrollDown(li);
    return li;
  }
  var usingKeyboard = false;  // move the focus for keyboard users only: on a phone it opens the keyboard
  document.addEventListener("keydown", function () { usingKeyboard = true; }, true);
  document.addEventListener("pointerdown", function () { usingKeyboard = false; }, true);
  function removeQuickReplies() {
    var hadFocus = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest(".quick");
    Array.prototype.forEach.call(log.querySelectorAll(".quick"), function (q) { q.remove(); });
    if (hadFocus && usingKeyboard) input.focus();
  }
  function addButtons(buttons) {
    if (!buttons || !buttons.length) return;
    var li = document.createElement("div");
    li.className = "quick";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.setAttribute("dir", "auto");
      button.addEventListener("click", function () { send(b.title, b.title, b.payload); });
      li.appendChild(button);
    });
    log.appendChild(li);
    scrollDown(li);
  }
  function addDownload(li, download) {
    // a file of this origin only (a confirmed appointment's calendar file), as a link to save it
    if (!li || !download || typeof download.url !== "string" || download.url.indexOf(CALENDAR_PATH) !== 0) return;
    var a = document.createElement("a");
    a.className = "msg__download";
    a.href = download.url;
    a.setAttribute("download", "");
    a.setAttribute("dir", "auto");
    a.textContent = typeof download.title === "string" ? download.title : "";
    li.insertBefore(a, li.querySelector(".msg__speak"));
  }
  function showNotice(text) {
    return addMessage("notice", text);
  }
  function setStatus(text) { statusLine.textContent = text || ""; statusLine.hidden = !text; }

  // --- read aloud (Web Speech API), where the browser can speak the language --------------------
  function speechLanguage() { return language().split("_")[0]; }
  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === lang) return voices[i];
    }
    return null;
  }
  function canSpeak() {
    if (!("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") return false;
    var voices = window.speechSynthesis.getVoices() || [];
    // no list yet: the browser's default voice will try; a list without the language: no button
    return voices.length === 0 || voiceFor(speechLanguage()) !== null;
  }
  function speakerIcon() {
    // drawn, not an emoji: cheap phones and headless browsers often lack an emoji font
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z");
    svg.appendChild(path);
    return svg;
  }
  function addSpeaker(li, text) {
    if (!canSpeak()) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "msg__speak";
    button.setAttribute("aria-label", texts.readAloud);
    button.title = texts.readAloud;
    button.appendChild(speakerIcon());
    button.addEventListener("click", function () {
      var synth = window.speechSynthesis;
      synth.cancel();
      var utterance = new window.SpeechSynthesisUtterance(text.replace(BIDI_MARKS, ""));
      utterance.lang = speechLanguage();
      var voice = voiceFor(utterance.lang);
      try { if (voice) utterance.voice = voice; } catch (e) { /* the browser picks one by lang */ }
      synth.speak(utterance);
    });
    li.appendChild(button);
  }

  // --- typing indicator ----------------------------------------------------------------------
  function startTyping() {
    typingTimer = window.setTimeout(function () {
      var li = document.createElement("div");
      li.className = "msg msg--typing";
      li.setAttribute("aria-hidden", "true");
      li.textContent = texts.typing;
      li.id = "typing";
      log.appendChild(li);
      scrollDown(li);
    }, TYPING_AFTER_MS);
  }
  function stopTyping() {
    window.clearTimeout(typingTimer);
    var typing = document.getElementById("typing");
    if (typing) typing.remove();
  }

  // --- sending, with a queue that survives going offline and reloading -------------------------
  function markPending(item) {
    if (!item.bubble || item.bubble.classList.contains("msg--pending")) return;
    item.bubble.classList.add("msg--pending");
    var state = document.createElement("span");
    state.className = "msg__state";
    state.textContent = texts.pending;
    item.bubble.appendChild(state);
  }
  function markSent(item) {
    if (!item.bubble) return;
    item.bubble.classList.remove("msg--pending");
    var state = item.bubble.querySelector(".msg__state");
    if (state) state.remove();
  }
  function send(text, shown, payload) {
    // shown === null: a silent message (the greeting, a language switch);
    // payload: a pressed button (its title is the text) — typed text is never sent as a payload
    removeQuickReplies();
    var item = { text: text, shown: shown === undefined ? text : shown, payload: payload || null };
    if (item.shown !== null) item.bubble = addMessage("user", item.shown);
    queue.push(item);
    saveQueue();
    pump();
  }
  function waitAndRetry(notice) {
    queue.forEach(markPending);
    setStatus(notice);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () { retryTimer = null; pump(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }
  function pump() {
    if (busy || !queue.length) return;
    if (navigator.onLine === false) { waitAndRetry(texts.offline); return; }
    busy = true;
    var item = queue[0];
    startTyping();
    var payload = { session: chatId(), text: item.text, language: language() };
    if (item.payload) payload.payload = item.payload;
    var source = store.get(KEYS.source);
    if (source) payload.source = source;
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
                                   function () { return { status: response.status, data: null }; });
    }).then(function (answer) {
      stopTyping();
      handleAnswer(item, answer.status, answer.data);
    }, function () {
      stopTyping();
      waitAndRetry(texts.offline);  // the network failed: keep the message, try again
    }).then(function () {
      busy = false;
      if (queue.length && retryTimer === null) pump();
    });
  }
  function handleAnswer(item, status, data) {
    var error = data && data.error;
    if (!data || (status >= 500 && error !== "no_answer")) {
      // engine down, or no answer at all: the message waits and goes again
      var text = data && data.messages && data.messages.length ? data.messages[0].text : texts.offline;
      waitAndRetry(text);
      return;
    }
    queue.shift();
    saveQueue();
    retryDelay = RETRY_MIN_MS;
    setStatus("");
    if (status >= 400 && status < 500) {
      // refused (too long, too fast, unreadable): give the typed text back to be sent again
      if (item.bubble) item.bubble.remove();
      if (item.shown !== null && !item.payload && item.shown === item.text && !input.value) input.value = item.text;
    } else {
      markSent(item);
      if (item.shown !== null) remember({ kind: "user", text: item.shown });
    }
    render(data, status >= 400);
    if (!data.erased) listen();
  }
  function render(data, refused) {
    if (data.language) setLanguage(data.language, data.dir);
    if (data.erased) {
      forgetEverything();  // "delete my data": a new, empty chat from now on
      log.textContent = "";
    }
    var messages = data.messages || [];
    messages.forEach(function (m, index) {
      var kind = refused || data.error ? "notice" : "bot";
      addDownload(addMessage(kind, m.text), m.download);
      var last = index === messages.length - 1;
      if (last) addButtons(m.buttons);
      if (!data.erased && !refused) {
        remember({ kind: kind, text: m.text, buttons: last ? m.buttons : [], download: m.download || null });
      }
    });
  }

  // --- news Lotse sends unasked (server-sent events) --------------------------------------------
  var events = null;
  // The ids of news already shown in this chat: {chat, ids}. In local storage, so a message sent
  // again (its acknowledgement was lost) is not shown twice, in another tab or on the next visit.
  function seenIds(id) {
    var seen = parseJson(store.get(KEYS.seen), null);
    return seen && seen.chat === id && Array.isArray(seen.ids) ? seen.ids : [];
  }
  function markSeen(id, eventId) {
    var ids = seenIds(id).concat([eventId]);
    store.set(KEYS.seen, JSON.stringify({ chat: id, ids: ids.slice(-SEEN_LIMIT) }));
  }
  function acknowledge(id, eventId) {
    fetch("/api/events/ack", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: id, id: Number(eventId) }),
      credentials: "same-origin",
      keepalive: true
    }).catch(function () { /* sent again on the next stream; skipped there */ });
  }
  function listen() {
    var id = store.get(KEYS.chat);
    if (events || !id || typeof window.EventSource !== "function") return;
    events = new window.EventSource("/api/events?session=" + encodeURIComponent(id));
    events.onmessage = function (event) {
      var eventId = /^[0-9]{1,15}$/.test(event.lastEventId || "") ? event.lastEventId : null;
      if (eventId && seenIds(id).indexOf(eventId) >= 0) { acknowledge(id, eventId); return; }
      var data = parseJson(event.data, null);
      if (!data || !data.messages) return;
      data.messages.forEach(function (m) {
        var kind = m.kind === "counsellor" ? "counsellor" : "bot";
        var buttons = Array.isArray(m.buttons) ? m.buttons : [];
        if (buttons.length) removeQuickReplies();  // a proposed appointment: its answers are the ones to press
        addMessage(kind, m.text, m.author);
        addButtons(buttons);
        remember({ kind: kind, text: m.text, author: m.author || "", buttons: buttons });
      });
      if (eventId) { markSeen(id, eventId); acknowledge(id, eventId); }
    };
  }
  function stopListening() {
    if (events) events.close();
    events = null;
  }

  // --- restoring after a reload ----------------------------------------------------------------
  function restore() {
    history = parseJson(written.get(KEYS.history), []);
    if (!Array.isArray(history)) history = [];
    history.forEach(function (entry) {
      if (!entry || typeof entry.text !== "string") return;
      var kind = ["user", "notice", "counsellor"].indexOf(entry.kind) >= 0 ? entry.kind : "bot";
      addDownload(addMessage(kind, entry.text, typeof entry.author === "string" ? entry.author : ""), entry.download);
    });
    var last = history[history.length - 1];
    if (last && last.buttons) addButtons(last.buttons);
    var saved = parseJson(written.get(KEYS.pending), []);
    queue = (Array.isArray(saved) ? saved : []).filter(function (q) {
      return q && typeof q.text === "string";
    }).map(function (q) {
      var item = { text: q.text, shown: typeof q.shown === "string" ? q.shown : null,
                   payload: typeof q.payload === "string" ? q.payload : null };
      if (item.shown !== null) { item.bubble = addMessage("user", item.shown); markPending(item); }
      return item;
    });
  }

  // --- events ----------------------------------------------------------------------------------
  window.addEventListener("online", function () {
    setStatus("");
    retryDelay = RETRY_MIN_MS;
    window.clearTimeout(retryTimer);
    retryTimer = null;
    pump();
  });
  window.addEventListener("offline", function () {
    if (queue.length) waitAndRetry(texts.offline); else setStatus(texts.offline);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  picker.addEventListener("change", function () {
    var url = new URL(window.location.href);
    url.searchParams.set("lang", picker.value);
    store.set(KEYS.language, picker.value);
    store.set(KEYS.switched, picker.value);
    window.location.assign(url.toString());
  });
  function closeWidget() {
    if (embedded && window.parent !== window) window.parent.postMessage({ lotse: "close" }, "*");
  }
  if (closeButton) closeButton.addEventListener("click", closeWidget);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && embedded) closeWidget();
  });
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.lotse === "focus" && event.data.keyboard) {
      input.focus();
    }
  });

  // --- start -----------------------------------------------------------------------------------
  applyColour(main.getAttribute("data-colour"));
  var params = new URLSearchParams(window.location.search);
  var stored = store.get(KEYS.language);
  if (!params.get("lang") && stored && stored !== language() && picker.querySelector('option[value="' + stored + '"]')) {
    params.set("lang", stored);
    window.location.replace("?" + params.toString());
    return;
  }
  store.set(KEYS.language, language());
  var source = main.getAttribute("data-source");
  if (source && !store.get(KEYS.source)) store.set(KEYS.source, source);
  setStatus("");
  restore();
  listen();
  var switched = store.get(KEYS.switched);
  store.remove(KEYS.switched);
  if (switched && switched === language() && history.length) {
    send("/language " + switched, null);  // a documented command, like Telegram's /language
  } else if (!history.length && !queue.length) {
    send("/start", null);
  } else {
    pump();
  }
})();
