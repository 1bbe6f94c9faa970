// Lắng Nghe web chat. No inline script anywhere (the page runs under a script-src 'self' CSP);
// without JavaScript every form still posts and the page comes back (text, choices, photos).
//
// Nothing doubled, nothing lost: every message gets an id made here; the server stores and
// answers an id once and answers a retry from the conversation. Messages wait in a queue
// (shown below the chat as "đang gửi"), one in flight at a time, in order; a failure keeps
// them and retries with backoff, at once when the browser is back online. Nothing of the
// conversation is written to the browser's storage.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var list = document.getElementById("messages");
  var outbox = document.getElementById("outbox");
  if (!list) return;
  var csrf = list.getAttribute("data-csrf");
  var after = Number(list.getAttribute("data-after")) || 0;
  var idleMs = Number(list.getAttribute("data-idle-ms")) || 0;
  var lastActivity = Date.now();
  var queue = [];
  var busy = false, delay = 1000, timer = null, polling = false;
  var MAX_DELAY = 30000;

  function $(id) { return document.getElementById(id); }

  function uuid() {
    var c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    var bytes = new Uint8Array(16), i;
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function notice(text, ok) {
    var box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("ok", !!ok);
    measure();
  }

  function typing(on) { $("typing").hidden = !on; }

  // The sticky bars' real heights, so scroll-padding keeps a focused control in view.
  function measure() {
    var top = document.querySelector(".top"), bottom = document.querySelector(".composer");
    var style = document.documentElement.style;
    if (top) style.setProperty("--top-h", top.offsetHeight + "px");
    if (bottom) style.setProperty("--bottom-h", bottom.offsetHeight + "px");
  }

  // Answered choices stay visible but leave the Tab order.
  function retab() {
    var all = list.querySelectorAll(".msg"), lastIn = -1, i;
    for (i = 0; i < all.length; i++) if (all[i].classList.contains("in")) lastIn = i;
    for (i = 0; i < all.length; i++) {
      all[i].classList.toggle("answered", i < lastIn);
      all[i].querySelectorAll("button").forEach(function (b) {
        if (i < lastIn) b.setAttribute("tabindex", "-1");
        else b.removeAttribute("tabindex");
      });
    }
  }

  function scrollToEnd() { window.scrollTo(0, document.documentElement.scrollHeight); }

  // A long answer must be read from its start: bring the first new bot message to the top of
  // the screen (under the sticky header); when everything new fits, this is the end.
  function showNew(first) {
    if (!first) { scrollToEnd(); return; }
    var header = document.querySelector(".top");
    var offset = (header ? header.offsetHeight : 0) + 8;
    var top = first.getBoundingClientRect().top + window.scrollY - offset;
    var end = document.documentElement.scrollHeight - window.innerHeight;
    window.scrollTo(0, Math.max(0, Math.min(top, end)));
  }

  // Our HTML fragment into the chat: a message already shown is never added again, and a
  // message of ours that arrived (even by a poll) leaves the queue.
  function merge(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var firstOut = null, added = 0;
    holder.content.querySelectorAll(".msg").forEach(function (msg) {
      if ($(msg.id)) return;
      list.appendChild(msg);
      added++;
      if (!firstOut && msg.classList.contains("out")) firstOut = msg;
      var client = msg.getAttribute("data-client");
      if (client) arrived(client);
    });
    var cursor = holder.content.querySelector("#after");
    if (cursor) after = Math.max(after, Number(cursor.value) || 0);
    if (added) { lastActivity = Date.now(); retab(); showNew(firstOut); }
  }

  function arrived(client) {
    for (var i = 0; i < queue.length; i++) {
      if (queue[i].id !== client) continue;
      var item = queue[i];
      if (item.node) item.node.remove();
      item.node = null;
      item.done = true;
      if (!item.flying) queue.splice(i, 1);
      if (!queue.some(function (q) { return q.failed; })) notice("");
      return;
    }
  }

  function pending(item) {
    var node = document.createElement("div");
    node.className = "msg in pending";
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = item.label;
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = "Đang gửi…";
    node.appendChild(bubble);
    node.appendChild(state);
    outbox.appendChild(node);
    item.node = node;
    item.state = state;
  }

  function enqueue(action, fields, label, file) {
    var item = { action: action, fields: fields, label: label, file: file, id: uuid() };
    lastActivity = Date.now();
    queue.push(item);
    pending(item);
    scrollToEnd();
    pump();
  }

  function body(item) {
    var data = item.file ? new FormData() : new URLSearchParams();
    data.append("csrf_token", csrf);
    data.append("client_id", item.id);
    data.append("after", String(after));
    Object.keys(item.fields).forEach(function (k) { data.append(k, item.fields[k]); });
    if (item.file) data.append("file", item.file, item.file.name || "anh");
    return data;
  }

  function failed(item, text) {
    item.failed = true;
    if (item.state) item.state.textContent = "Chưa gửi được — sẽ tự gửi lại khi có mạng";
    notice(text || "Mất kết nối. Tin của bạn được giữ lại và sẽ tự gửi lại khi có mạng.");
    typing(false);
    scrollToEnd();
    clearTimeout(timer);
    timer = setTimeout(pump, delay + Math.floor(Math.random() * 500));
    delay = Math.min(delay * 2, MAX_DELAY);
  }

  function pump() {
    clearTimeout(timer);
    while (queue.length && queue[0].done) queue.shift();
    if (busy || !queue.length) { typing(false); return; }
    var item = queue[0];
    busy = true;
    item.flying = true;
    typing(true);
    if (item.state) item.state.textContent = "Đang gửi…";
    var controller = window.AbortController ? new AbortController() : null;
    var watchdog = setTimeout(function () { if (controller) controller.abort(); }, 45000);
    fetch(item.action, {
      method: "POST", body: body(item), credentials: "same-origin",
      headers: { "HX-Request": "true" }, signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.redirected) { wipe(); location.replace(response.url); return null; }
      var type = response.headers.get("Content-Type") || "";
      if (response.status === 403) return { stop: "Phiên trò chuyện đã thay đổi. Bạn vui lòng tải lại trang." };
      if (response.status >= 500 || type.indexOf("text/html") !== 0) return { retry: true };
      return response.text().then(function (html) { return { html: html }; });
    }).then(function (result) {
      clearTimeout(watchdog);
      busy = false;
      item.flying = false;
      if (!result) return;
      if (result.retry) { failed(item, "Máy chủ chưa nhận được. Tin của bạn được giữ lại và sẽ tự gửi lại."); return; }
      queue.shift();
      if (item.node) item.node.remove();
      delay = 1000;
      if (result.stop) notice(result.stop);
      else { merge(result.html); if (!queue.some(function (q) { return q.failed; })) notice(""); }
      pump();
    }, function () {
      clearTimeout(watchdog);
      busy = false;
      item.flying = false;
      if (item.done) { queue.shift(); pump(); return; }
      failed(item);
    });
  }

  // A page left open on a shared phone forgets the chat after the idle time, as the server
  // does: the next person who picks the phone up sees a new conversation.
  function forgetIfIdle() {
    if (!idleMs || queue.length || Date.now() - lastActivity < idleMs) return false;
    wipe();
    location.replace("/");
    return true;
  }

  function poll() {
    if (forgetIfIdle()) return;
    if (polling || busy || (navigator.onLine === false)) return;
    polling = true;
    fetch("/chat/poll?after=" + after, { credentials: "same-origin" }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.status === 200 && type.indexOf("text/html") === 0 ? response.text() : "";
    }).then(function (html) { polling = false; if (html) merge(html); }, function () { polling = false; });
  }

  function wipe() {
    [window.localStorage, window.sessionStorage].forEach(function (store) {
      try { if (store) store.clear(); } catch (e) { /* storage disabled: nothing kept */ }
    });
  }

  // Sending text: the box empties at once, the text waits in the queue until it arrived.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "send-form") {
      event.preventDefault();
      var box = $("text"), text = box.value;
      if (!text.trim()) return;
      box.value = "";
      enqueue("/chat/send", { text: text }, text);
      box.focus();
    } else if (form.classList.contains("js-post") && list.contains(form)) {
      event.preventDefault();
      var button = event.submitter;
      if (!button || button.name !== "data") return;
      enqueue(form.getAttribute("action"), { data: button.value }, button.textContent);
    } else if (form.classList.contains("js-clear")) {
      wipe();  // the form goes on: the server ends the session and deletes the cookie
    }
  });

  // Enter sends; Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (box.id !== "text" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (box.value.trim()) box.form.requestSubmit();
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.classList.contains("js-photo")) $("photo").click();
    else if (target.classList.contains("js-copy")) copy(target.getAttribute("data-copy"));
    else if (target.classList.contains("js-location")) locate();
  });

  // A photo goes as soon as it is chosen; a too-large one is refused here first.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.id !== "photo" || !input.files || !input.files[0]) return;
    var file = input.files[0], limit = Number(input.getAttribute("data-max-bytes"));
    input.value = "";
    if (limit && file.size > limit) {
      notice("Ảnh quá lớn (tối đa " + Math.floor(limit / 1048576) + " MB). Bạn chọn ảnh nhỏ hơn nhé.");
      return;
    }
    enqueue("/chat/photo", {}, "📷 Ảnh", file);
  });

  function copy(code) {
    var done = function () {
      notice("Đã sao chép mã " + code + ". Bạn hãy ghi lại mã này ở nơi an toàn.", true);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code).then(done, fallback);
    } else fallback();
    function fallback() {
      var area = document.createElement("textarea");
      area.value = code;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (e) { notice("Mã theo dõi của bạn: " + code); }
      area.remove();
    }
  }

  // "Vị trí": the browser asks the citizen; only the coordinates are sent.
  function locate() {
    if (!navigator.geolocation) {
      notice("Trình duyệt không hỗ trợ lấy vị trí. Bạn hãy gõ địa chỉ (thôn/tổ, xã/phường).");
      return;
    }
    notice("Đang lấy vị trí…");
    navigator.geolocation.getCurrentPosition(function (position) {
      notice("");
      enqueue("/chat/location", {
        lat: String(position.coords.latitude), lon: String(position.coords.longitude)
      }, "📍 Vị trí");
    }, function () {
      notice("Không lấy được vị trí. Bạn có thể gõ địa chỉ (thôn/tổ, xã/phường).");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  window.addEventListener("online", function () { delay = 1000; pump(); poll(); });
  window.addEventListener("offline", function () {
    if (queue.length) notice("Mất kết nối. Tin của bạn được giữ lại và sẽ tự gửi lại khi có mạng.");
  });
  window.addEventListener("resize", measure);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") forgetIfIdle();
  });
  // Just cleared: the page stays at its top, where it says so (and the new chat begins).
  var cleared = /[?&]xoa=1/.test(location.search);
  if (cleared) { wipe(); history.replaceState(null, "", "/"); }
  measure();
  retab();
  if (!cleared) scrollToEnd();
  setInterval(poll, 10000);
})();
