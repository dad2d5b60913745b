// Lotse chat page: talks to /api/chat. Bot and user texts are inserted as text, never as HTML.
(function () {
  "use strict";
  var root = document.documentElement;
  var main = document.querySelector(".chat");
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var picker = document.getElementById("language");
  var STORE = "lotse.session";
  var LANG = "lotse.language";
  var queue = [];
  var busy = false;

  function sessionId() {
    var id = localStorage.getItem(STORE);
    if (!id || !/^[0-9a-f-]{36}$/.test(id)) {
      id = crypto.randomUUID ? crypto.randomUUID() : fallbackUuid();
      localStorage.setItem(STORE, id);
    }
    return id;
  }
  function fallbackUuid() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function language() { return root.getAttribute("data-language"); }
  function setLanguage(code, dir) {
    if (!code) return;
    root.setAttribute("data-language", code);
    root.setAttribute("lang", code.split("_")[0]);
    root.setAttribute("dir", dir || "ltr");
    picker.value = code;
    localStorage.setItem(LANG, code);
  }
  function addMessage(kind, text) {
    var li = document.createElement("li");
    li.className = "msg msg--" + kind;
    li.setAttribute("dir", "auto");
    li.textContent = text;
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }
  function addButtons(buttons) {
    if (!buttons || !buttons.length) return;
    var li = document.createElement("li");
    li.className = "quick";
    buttons.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () { send(b.payload, b.title); });
      li.appendChild(btn);
    });
    log.appendChild(li);
  }
  function render(data) {
    if (data.language) setLanguage(data.language, data.dir);
    if (data.erased) localStorage.removeItem(STORE);  // "delete my data": a new, empty session
    (data.messages || []).forEach(function (m) {
      addMessage(data.error ? "notice" : "bot", m.text);
      addButtons(m.buttons);
    });
  }
  function send(text, shown) {
    // shown === false: a silent message (the greeting on page load)
    var bubble = shown === false ? null : addMessage("user", shown || text);
    queue.push({ text: text, bubble: bubble });
    pump();
  }
  function pump() {
    if (busy || !queue.length) return;
    if (!navigator.onLine) { markPending(); return; }
    busy = true;
    var item = queue[0];
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: sessionId(), text: item.text, language: language() })
    }).then(function (r) { return r.json(); }).then(function (data) {
      queue.shift();
      if (item.bubble) item.bubble.classList.remove("msg--pending");
      render(data);
    }).catch(function () {
      markPending();
    }).then(function () { busy = false; if (navigator.onLine) pump(); });
  }
  function markPending() {
    queue.forEach(function (q) { if (q.bubble) q.bubble.classList.add("msg--pending"); });
    if (!document.querySelector(".msg--notice[data-offline]")) {
      var n = addMessage("notice", main.getAttribute("data-offline-text"));
      n.setAttribute("data-offline", "1");
    }
  }
  window.addEventListener("online", function () {
    var n = document.querySelector(".msg--notice[data-offline]");
    if (n) n.remove();
    pump();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  picker.addEventListener("change", function () {
    var url = new URL(window.location.href);
    url.searchParams.set("lang", picker.value);
    localStorage.setItem(LANG, picker.value);
    window.location.assign(url.toString());
  });
  var params = new URLSearchParams(window.location.search);
  var stored = localStorage.getItem(LANG);
  if (!params.get("lang") && stored && stored !== language()) {
    params.set("lang", stored);
    window.location.replace("?" + params.toString());
    return;
  }
  localStorage.setItem(LANG, language());
  send("/greet", false);
})();
