// Hexfit support chat widget. Embed with one tag:
//   <script src="https://bot.example.com/webchat/widget.js" defer
//           data-lang="es" data-name="Ana"></script>
// Plain JavaScript, no build step. Every message is inserted with
// textContent (never parsed as HTML), so markup in messages is shown as text.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__hexfitChat) return;
  window.__hexfitChat = true;
  var base = new URL(".", script.src).href; // .../webchat/
  var lang = (script.getAttribute("data-lang") || navigator.language || "en").slice(0, 2).toLowerCase();
  var locale = script.getAttribute("data-lang") || navigator.language || "";
  var name = script.getAttribute("data-name") || "";
  var L = {
    es: { open: "Abrir el chat de ayuda", close: "Cerrar el chat", title: "Ayuda Hexfit", label: "Escribe tu mensaje",
      send: "Enviar", hello: "¡Hola! Cuéntame qué problema tienes para entrar a tu cuenta.", agent: "agente",
      slow: "Vas muy rápido: espera un momento y vuelve a enviarlo.", err: "No se pudo enviar. Inténtalo de nuevo.",
      long: "El mensaje es demasiado largo.", offline: "Reconectando…", options: "Opciones" },
    fr: { open: "Ouvrir le chat d'aide", close: "Fermer le chat", title: "Aide Hexfit", label: "Écrivez votre message",
      send: "Envoyer", hello: "Bonjour ! Dites-moi quel problème vous avez pour vous connecter.", agent: "agent",
      slow: "Vous écrivez trop vite : patientez un instant puis renvoyez.", err: "Envoi impossible. Réessayez.",
      long: "Le message est trop long.", offline: "Reconnexion…", options: "Options" },
    en: { open: "Open the help chat", close: "Close the chat", title: "Hexfit help", label: "Type your message",
      send: "Send", hello: "Hi! Tell me what is stopping you from signing in.", agent: "agent",
      slow: "You are writing fast: wait a moment and send it again.", err: "Could not send. Please try again.",
      long: "The message is too long.", offline: "Reconnecting…", options: "Options" }
  };
  var t = L[lang] || L.en;
  var KEY = "hexfit-chat:" + base;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  var css = el("style");
  css.textContent =
    ".hxc-bubble{position:fixed;right:16px;bottom:16px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:#0b5cad;color:#fff;font:600 24px/1 system-ui,sans-serif;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}" +
    ".hxc-bubble:focus-visible,.hxc-panel button:focus-visible,.hxc-panel textarea:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}" +
    ".hxc-panel{position:fixed;right:8px;bottom:80px;z-index:2147483000;width:min(380px,calc(100vw - 16px));height:min(560px,calc(100vh - 96px));" +
    "display:flex;flex-direction:column;background:#fff;color:#111;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.3);font:15px/1.4 system-ui,sans-serif;box-sizing:border-box}" +
    ".hxc-panel[hidden]{display:none}" +
    ".hxc-head{display:flex;align-items:center;justify-content:space-between;padding:10px 12px;background:#0b5cad;color:#fff;border-radius:12px 12px 0 0}" +
    ".hxc-head h2{font-size:16px;margin:0}" +
    ".hxc-x{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;min-width:44px;min-height:44px}" +
    ".hxc-log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:8px}" +
    ".hxc-msg{max-width:85%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".hxc-client{align-self:flex-end;background:#0b5cad;color:#fff}" +
    ".hxc-bot,.hxc-csat,.hxc-notice{align-self:flex-start;background:#eef2f7}" +
    ".hxc-agent{align-self:flex-start;background:#fff4d6;border:1px solid #e8c66a}" +
    ".hxc-who{display:block;font-size:12px;font-weight:600;color:#6b4e00}" +
    ".hxc-msg a{color:inherit}" +
    ".hxc-opts{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}" +
    ".hxc-opts button{border:1px solid #0b5cad;background:#fff;color:#0b5cad;border-radius:16px;padding:6px 12px;min-height:36px;cursor:pointer;font:inherit}" +
    ".hxc-opts button:disabled{opacity:.5;cursor:default}" +
    ".hxc-status{font-size:13px;color:#8a1c1c;padding:0 10px;min-height:1em}" +
    ".hxc-form{display:flex;gap:6px;padding:8px;border-top:1px solid #ddd}" +
    ".hxc-form textarea{flex:1;resize:none;font:inherit;padding:6px;border:1px solid #999;border-radius:8px;min-height:40px}" +
    ".hxc-send{background:#0b5cad;color:#fff;border:0;border-radius:8px;padding:0 14px;min-height:44px;cursor:pointer;font:inherit}" +
    ".hxc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}";
  document.head.appendChild(css);

  var bubble = el("button", "hxc-bubble", "?");
  bubble.type = "button";
  bubble.id = "hxc-bubble";
  bubble.setAttribute("aria-label", t.open);
  bubble.setAttribute("aria-expanded", "false");
  bubble.setAttribute("aria-controls", "hxc-panel");

  var panel = el("section", "hxc-panel");
  panel.id = "hxc-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "hxc-title");
  var head = el("div", "hxc-head");
  var title = el("h2", null, t.title);
  title.id = "hxc-title";
  var x = el("button", "hxc-x", "×");
  x.type = "button";
  x.setAttribute("aria-label", t.close);
  head.appendChild(title);
  head.appendChild(x);
  var log = el("div", "hxc-log");
  log.id = "hxc-log";
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.tabIndex = 0;
  var status = el("div", "hxc-status");
  status.id = "hxc-status";
  status.setAttribute("role", "status");
  var form = el("form", "hxc-form");
  var lab = el("label", "hxc-sr", t.label);
  lab.htmlFor = "hxc-input";
  var input = el("textarea");
  input.id = "hxc-input";
  input.rows = 1;
  input.maxLength = 2000;
  input.placeholder = t.label;
  var send = el("button", "hxc-send", t.send);
  send.type = "submit";
  form.appendChild(lab);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  document.body.appendChild(bubble);
  document.body.appendChild(panel);
  var hello = el("div", "hxc-msg hxc-bot", t.hello);
  log.appendChild(hello);

  function setOpen(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    try { sessionStorage.setItem(KEY + ":open", open ? "1" : ""); } catch (e) {}
    if (open) {
      input.focus();
      log.scrollTop = log.scrollHeight;
      connect();
    } else {
      bubble.focus();
    }
  }
  bubble.addEventListener("click", function () { setOpen(panel.hidden); });
  x.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });

  // Light Markdown: *bold* and bare http(s) links, built as DOM nodes.
  function richText(parent, text) {
    var parts = String(text).split(/(\*[^*\n]+\*|https?:\/\/[^\s<>"]+)/);
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (!p) continue;
      if (p.length > 2 && p[0] === "*" && p[p.length - 1] === "*") {
        parent.appendChild(el("strong", null, p.slice(1, -1)));
      } else if (/^https?:\/\//.test(p)) {
        var a = el("a", null, p);
        a.href = p;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(p));
      }
    }
  }

  function disableOptions() {
    var bs = log.querySelectorAll(".hxc-opts button");
    for (var i = 0; i < bs.length; i++) bs[i].disabled = true;
  }

  // The widget speaks the conversation's language once the bot knows it.
  function relabel(l) {
    if (!L[l] || l === lang) return;
    lang = l;
    t = L[l];
    bubble.setAttribute("aria-label", t.open);
    x.setAttribute("aria-label", t.close);
    title.textContent = t.title;
    lab.textContent = t.label;
    input.placeholder = t.label;
    send.textContent = t.send;
  }

  var lastID = 0;
  function show(ev) {
    if (ev.id <= lastID) return; // already shown (reconnect overlap)
    lastID = ev.id;
    if (ev.kind === "bot" && ev.lang) relabel(ev.lang);
    var m = el("div", "hxc-msg hxc-" + ev.kind);
    m.setAttribute("data-id", String(ev.id));
    m.setAttribute("data-kind", ev.kind);
    if (ev.kind === "agent" && ev.author) {
      m.appendChild(el("span", "hxc-who", ev.author + " (" + t.agent + ")"));
    }
    var body = el("span", "hxc-text");
    richText(body, ev.text);
    m.appendChild(body);
    if (ev.kind === "client") disableOptions();
    if (ev.buttons && ev.buttons.length) {
      disableOptions();
      var g = el("div", "hxc-opts");
      g.setAttribute("role", "group");
      g.setAttribute("aria-label", t.options);
      ev.buttons.forEach(function (b) {
        var btn = el("button", null, b.Label);
        btn.type = "button";
        btn.setAttribute("data-payload", b.Payload);
        btn.addEventListener("click", function () {
          disableOptions();
          post(b.Label, b.Payload);
        });
        g.appendChild(btn);
      });
      m.appendChild(g);
    }
    log.appendChild(m);
    log.scrollTop = log.scrollHeight;
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  var creds = load();

  function request(path, body) {
    return fetch(base + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "omit"
    });
  }

  // session returns valid credentials: the stored ones when the server
  // still accepts them, else new ones.
  function session() {
    return request("session", creds || {}).then(function (r) {
      if (!r.ok) throw new Error("session " + r.status);
      return r.json();
    }).then(function (c) {
      if (!creds || c.visitor !== creds.visitor) {
        // A new visitor: whatever was shown belonged to another one.
        var ms = log.querySelectorAll(".hxc-msg[data-id]");
        for (var i = 0; i < ms.length; i++) ms[i].remove();
        lastID = 0;
      }
      creds = c;
      try { localStorage.setItem(KEY, JSON.stringify(c)); } catch (e) {}
      return c;
    });
  }

  var es = null, connecting = false, retry = 1000;
  function connect() {
    if (es || connecting) return;
    connecting = true;
    session().then(function (c) {
      connecting = false;
      es = new EventSource(base + "events?v=" + encodeURIComponent(c.visitor) + "&t=" + encodeURIComponent(c.token) + "&after=" + lastID);
      es.addEventListener("open", function () { status.textContent = ""; retry = 1000; });
      es.addEventListener("entry", function (e) { show(JSON.parse(e.data)); });
      es.addEventListener("error", function () {
        if (es.readyState === EventSource.CLOSED) {
          // Refused (bad token) or the server is gone: check the session
          // and open a new stream, backing off.
          es = null;
          status.textContent = t.offline;
          setTimeout(connect, retry);
          retry = Math.min(retry * 2, 30000);
        } else {
          status.textContent = t.offline;
        }
      });
    }).catch(function () {
      connecting = false;
      status.textContent = t.offline;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  function rid() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function post(text, payload) {
    status.textContent = "";
    var go = creds ? Promise.resolve(creds) : session();
    return go.then(function (c) {
      return request("messages", { visitor: c.visitor, token: c.token, id: rid(), text: text, payload: payload || "", name: name, locale: locale });
    }).then(function (r) {
      if (r.status === 429) status.textContent = t.slow;
      else if (r.status === 413) status.textContent = t.long;
      else if (r.status === 403) { creds = null; status.textContent = t.err; if (es) { es.close(); es = null; } connect(); }
      else if (!r.ok) status.textContent = t.err;
      return r.ok;
    }).catch(function () { status.textContent = t.err; return false; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    post(text, "").then(function (ok) { if (ok) input.value = ""; });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  var wasOpen = false;
  try { wasOpen = sessionStorage.getItem(KEY + ":open") === "1"; } catch (e) {}
  if (wasOpen || script.hasAttribute("data-open")) setOpen(true);
})();
