// Lotse launcher: one <script> tag puts a chat button on a partner's page (README: "The web chat").
//
//   <script src="https://lotse.example.org/widget.js" defer
//           data-lang="ar" data-colour="#0b5394" data-position="left" data-start="jobcenter_flyer"></script>
//
// The chat itself runs in a frame from Lotse's own origin (/chat?embed=1): the partner's page never
// sees the conversation, and Lotse's Content-Security-Policy allows only the origins configured in
// LOTSE_WIDGET_ORIGINS to frame it. Styles are set through the CSSOM, so a strict CSP on the
// partner's page (no inline styles) does not break the button.
(function () {
  "use strict";
  var TEXTS = /*TEXTS*/{};
  // the tag itself; a tag manager that inserts it late still leaves it findable by its address
  var script = document.currentScript || document.querySelector('script[src$="/widget.js"]');
  if (!script || window.__lotseWidget) return;
  window.__lotseWidget = true;

  var origin = new URL(script.src, window.location.href).origin;
  var data = script.dataset;
  var language = pickLanguage(data.lang || document.documentElement.lang || navigator.language || "de");
  var rtl = language === "ar" || language === "fa";
  var colour = /^#[0-9a-fA-F]{6}$/.test(data.colour || data.color || "") ? (data.colour || data.color) : "#0b5394";
  var side = data.position === "left" || data.position === "right" ? data.position : (rtl ? "left" : "right");
  var start = /^[A-Za-z0-9_.-]{1,64}$/.test(data.start || "") ? data.start : "";
  var texts = TEXTS[language] || TEXTS.de || { open: "Chat", close: "×", title: "Lotse" };

  function pickLanguage(raw) {
    var code = String(raw).toLowerCase().replace("-", "_");
    if (TEXTS[code]) return code;
    var primary = code.split("_")[0];
    return TEXTS[primary] ? primary : "de";
  }
  function luminance(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  var ink = (1.05 / (luminance(colour) + 0.05)) >= ((luminance(colour) + 0.05) / 0.05) ? "#ffffff" : "#000000";
  function style(element, values) { Object.keys(values).forEach(function (k) { element.style[k] = values[k]; }); }

  var button = document.createElement("button");
  button.type = "button";
  button.className = "lotse-launcher";
  button.setAttribute("aria-label", texts.open);
  button.setAttribute("aria-expanded", "false");
  button.title = texts.open;
  style(button, {
    position: "fixed", bottom: "16px", zIndex: "2147483000", width: "60px", height: "60px",
    borderRadius: "50%", border: "3px solid " + ink, background: colour, color: ink, cursor: "pointer",
    boxShadow: "0 2px 8px rgba(0,0,0,.35)", padding: "0", display: "flex", alignItems: "center",
    justifyContent: "center"
  });
  button.style[side] = "16px";
  var svgNS = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(svgNS, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "30");
  icon.setAttribute("height", "30");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  var path = document.createElementNS(svgNS, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
  icon.appendChild(path);
  button.appendChild(icon);

  var frame = null;
  var small = window.matchMedia ? window.matchMedia("(max-width: 480px)") : { matches: false };

  function place() {
    if (!frame) return;
    if (small.matches) {
      style(frame, { top: "0", bottom: "0", left: "0", right: "0", width: "100%", height: "100%",
                     borderRadius: "0", border: "0" });
    } else {
      style(frame, { top: "auto", bottom: "88px", left: "auto", right: "auto", width: "380px",
                     height: "min(600px, calc(100vh - 110px))", borderRadius: "12px", border: "1px solid #6e7781" });
      frame.style[side] = "16px";
    }
  }
  function chatUrl() {
    var url = new URL("/chat", origin);
    url.searchParams.set("lang", language);
    url.searchParams.set("embed", "1");
    if (start) url.searchParams.set("start", start);
    if (colour) url.searchParams.set("colour", colour);
    return url.toString();
  }
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "lotse-frame";
      frame.title = texts.title;
      frame.src = chatUrl();
      frame.setAttribute("allow", "");
      frame.setAttribute("referrerpolicy", "no-referrer");
      style(frame, { position: "fixed", zIndex: "2147483001", background: "#fff", boxSizing: "border-box",
                     boxShadow: "0 4px 24px rgba(0,0,0,.35)" });
      frame.addEventListener("load", focusChat);
      document.body.appendChild(frame);
    }
    place();
    frame.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    if (small.matches) button.style.display = "none";
    focusChat();
  }
  var byKeyboard = false;
  function focusChat() {
    // into the chat, so that Tab and Escape work there; the text field only for keyboard users
    // (on a phone, focusing it would open the on-screen keyboard over the conversation)
    if (!frame || frame.style.display === "none") return;
    frame.focus();
    if (frame.contentWindow) frame.contentWindow.postMessage({ lotse: "focus", keyboard: byKeyboard }, origin);
  }
  function close() {
    if (!frame) return;
    frame.style.display = "none";
    button.style.display = "flex";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function (event) {
    byKeyboard = event.detail === 0;  // a click from Enter or Space has no pointer
    if (frame && frame.style.display !== "none") close(); else open();
  });
  window.addEventListener("message", function (event) {
    if (event.origin === origin && frame && event.source === frame.contentWindow &&
        event.data && event.data.lotse === "close") close();
  });
  if (small.addEventListener) small.addEventListener("change", place);

  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
