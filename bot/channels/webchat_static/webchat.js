// Lắng Nghe web chat: small enhancements on top of htmx. No inline script anywhere (the page
// runs under a script-src 'self' CSP); without JavaScript, text and buttons still work.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function notice(text) {
    var box = document.getElementById("notice");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function scrollToEnd() {
    window.scrollTo(0, document.body.scrollHeight);
  }

  // A poll and a send may both bring the same message: keep the first copy.
  function dedupe() {
    var seen = {};
    document.querySelectorAll("#messages .msg").forEach(function (el) {
      if (seen[el.id]) el.remove();
      else seen[el.id] = true;
    });
  }

  // A long answer must be read from its start: after new messages arrive, bring the first new
  // bot message to the top of the screen (under the sticky header); when everything new fits
  // on the screen, this is simply the end of the page, buttons included.
  function showNew(countBefore) {
    var all = document.querySelectorAll("#messages .msg");
    var answer = null;
    for (var i = countBefore; i < all.length; i++) {
      if (all[i].classList.contains("out")) { answer = all[i]; break; }
    }
    if (!answer) { scrollToEnd(); return; }
    var header = document.querySelector(".top");
    var offset = (header ? header.getBoundingClientRect().height : 0) + 8;
    var top = answer.getBoundingClientRect().top + window.scrollY - offset;
    var end = document.documentElement.scrollHeight - window.innerHeight;
    window.scrollTo(0, Math.max(0, Math.min(top, end)));
  }

  var countBefore = 0;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "messages") {
      countBefore = document.querySelectorAll("#messages .msg").length;
    }
  });

  document.addEventListener("DOMContentLoaded", scrollToEnd);

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "messages") {
      dedupe();
      showNew(countBefore);
    }
  });

  // Only our HTML fragments go into the chat: a proxy's or the API's JSON error never does.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var type = event.detail.xhr.getResponseHeader("Content-Type") || "";
    if (event.detail.shouldSwap && type.indexOf("text/html") !== 0) {
      event.detail.shouldSwap = false;
      notice(event.detail.xhr.status === 413
        ? "Dữ liệu gửi lên quá lớn. Bạn chọn ảnh nhỏ hơn nhé."
        : "Chưa gửi được. Bạn vui lòng thử lại sau ít phút.");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!event.detail.successful) return;
    if (elt.id === "send-form" || elt.id === "photo-form") elt.reset();
    if (elt.id !== "poller") notice("");
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    notice(status === 403
      ? "Phiên trò chuyện đã thay đổi. Bạn vui lòng tải lại trang."
      : "Chưa gửi được. Bạn vui lòng thử lại sau ít phút.");
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt.id === "poller") return;
    notice("Không kết nối được máy chủ. Bạn kiểm tra mạng rồi thử lại nhé.");
  });

  // Enter sends; Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (box.id !== "text" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (box.value.trim()) box.form.requestSubmit();
  });

  // The "Gửi ảnh" label opens the file picker from the keyboard too.
  document.addEventListener("keydown", function (event) {
    if (event.target.getAttribute("for") === "photo" && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      document.getElementById("photo").click();
    }
  });

  // Refuse a too-large photo before uploading it (the server refuses it too).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.id !== "photo" || !input.files || !input.files[0]) return;
    var limit = Number(input.dataset.maxBytes);
    if (limit && input.files[0].size > limit) {
      event.stopPropagation();
      input.value = "";
      notice("Ảnh quá lớn (tối đa " + Math.floor(limit / 1048576) + " MB). Bạn chọn ảnh nhỏ hơn nhé.");
    }
  }, true);

  // "Chia sẻ vị trí": the browser asks the citizen; only the coordinates are sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-location");
    if (!button) return;
    if (!navigator.geolocation) {
      notice("Trình duyệt không hỗ trợ lấy vị trí. Bạn hãy gõ địa chỉ (thôn/tổ, xã/phường).");
      return;
    }
    notice("Đang lấy vị trí…");
    navigator.geolocation.getCurrentPosition(function (position) {
      var form = document.getElementById("location-form");
      form.elements.lat.value = position.coords.latitude;
      form.elements.lon.value = position.coords.longitude;
      notice("");
      form.requestSubmit();
    }, function () {
      notice("Không lấy được vị trí. Bạn có thể gõ địa chỉ (thôn/tổ, xã/phường).");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
