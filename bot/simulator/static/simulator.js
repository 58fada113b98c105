/* The simulator page's behaviour: who this tab is, sending events, polling the inbox, menus, the clock.
 *
 * Every event is built and signed by the server (/simulator/api/...), then posted here to the
 * real /callback with its X-Line-Signature, exactly as LINE would post it. What the bot sends
 * back is read from the stand-in every second, so pushes from other people's actions arrive too.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("sim-config").textContent);
  var person = config.person;
  var POLL_MS = 1000;
  var BANGKOK = "Asia/Bangkok";

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function randomHex(n) {
    var bytes = new Uint8Array(n);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("").slice(0, n);
  }

  function pageFor(who) {
    return config.page + "?as=" + encodeURIComponent(who);
  }

  function becomeGuest() {
    window.location.href = pageFor("guest-" + randomHex(8));
  }

  /* --- who this tab is ------------------------------------------------------------------------ */

  Array.prototype.forEach.call(document.querySelectorAll("#pick-guest, .who-item[data-guest]"), function (link) {
    link.addEventListener("click", function (ev) { ev.preventDefault(); becomeGuest(); });
  });

  /* --- talking to the server -------------------------------------------------------------------- */

  function SimError(message) { this.message = message; }

  function readJson(response) {
    return response.json().catch(function () { return { ok: false, error: "เซิร์ฟเวอร์ตอบกลับไม่ถูกต้อง (รหัส " + response.status + ")" }; })
      .then(function (data) {
        if (!data || !data.ok) throw new SimError((data && data.error) || "เกิดข้อผิดพลาดค่ะ");
        return data;
      });
  }

  function api(path, body) {
    return fetch(config.api + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }).then(readJson);
  }

  function postSigned(signed) {
    // The real door: LINE's webhook, with the signature LINE would compute.
    return fetch(config.callback, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Line-Signature": signed.signature },
      body: signed.body,
    }).then(function (response) {
      if (!response.ok) throw new SimError("บอทไม่รับข้อความนี้ (รหัส " + response.status + ")");
    });
  }

  /* --- the clock --------------------------------------------------------------------------------- */

  var clockForm = $("clock-form");

  function setSelect(select, value) {
    // A shortcut may name a minute the list does not hold (every 5 minutes): add it.
    if (!Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      var option = el("option", "", value);
      option.value = value;
      select.appendChild(option);
    }
    select.value = value;
  }

  function setClock(date, time) {
    var d = date.split("-"), t = time.split(":");
    setSelect($("clock-year"), String(Number(d[0])));
    setSelect($("clock-month"), String(Number(d[1])));
    setSelect($("clock-day"), String(Number(d[2])));
    setSelect($("clock-hour"), t[0]);
    setSelect($("clock-minute"), t[1]);
  }

  function pad(n) { return ("0" + n).slice(-2); }

  function chosenClock() {
    return $("clock-year").value + "-" + pad($("clock-month").value) + "-" + pad($("clock-day").value) +
      "T" + $("clock-hour").value + ":" + $("clock-minute").value;
  }

  function drawShortcuts(list) {
    // After a trip the next runs are counted from the simulated time, so they move forward.
    var box = $("shortcuts");
    box.replaceChildren();
    (list || []).forEach(function (sc) {
      var button = el("button", "shortcut", sc.label);
      button.type = "button";
      button.dataset.date = sc.date;
      button.dataset.time = sc.time;
      box.appendChild(button);
    });
    $("shortcuts-intro").hidden = !(list && list.length);
  }

  function showClock(out, data) {
    out.className = "clock-result ok";
    out.textContent = data.message;
    if (data.details && data.details.length) {
      var details = el("details");
      details.appendChild(el("summary", "", "รายละเอียด"));
      var list = el("ul", "clock-details");
      data.details.forEach(function (line) { list.appendChild(el("li", "", line)); });
      details.appendChild(list);
      out.appendChild(details);
    }
    if (data.now) $("clock-now").textContent = data.now;
    if (data.shortcuts) drawShortcuts(data.shortcuts);
  }

  if (clockForm) {
    $("shortcuts").addEventListener("click", function (ev) {
      var button = ev.target.closest(".shortcut");
      if (button) setClock(button.dataset.date, button.dataset.time);
    });
    function clockCall(path, body, button) {
      var out = $("clock-result");
      button.disabled = true;
      out.className = "clock-result";
      out.textContent = "กำลังทำงาน…";
      return api(path, body)
        .then(function (data) {
          showClock(out, data);
          if (person) poll();
        })
        .catch(function (err) {
          out.className = "clock-result err";
          out.textContent = err instanceof SimError ? err.message : "เชื่อมต่อเซิร์ฟเวอร์ไม่ได้ค่ะ";
        })
        .then(function () { button.disabled = false; });
    }
    clockForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clockCall("/clock", { at: chosenClock() }, $("clock-run"));
    });
    $("clock-reset").addEventListener("click", function () { clockCall("/clock/reset", {}, $("clock-reset")); });
  }

  if (!person) return;

  /* --- the chat ---------------------------------------------------------------------------------- */

  var messages = $("messages");
  var quick = $("quick");
  var input = $("text-input");
  var imageInput = $("image-input");
  var sendButton = $("send");
  var after = 0, echo = 0, loaded = false, lastFrom = null, unread = 0;
  var followUp = false;  // the person just acted: show them the answer even if they had scrolled up
  var baseTitle = document.title;
  var queue = Promise.resolve();

  function nearBottom() {
    return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 120;
  }

  function scrollDown() { messages.scrollTop = messages.scrollHeight; }

  function notice(text, isError) {
    var row = el("div", "notice" + (isError ? " err" : ""));
    row.appendChild(el("span", "", text));
    messages.appendChild(row);
    lastFrom = null;
    scrollDown();
  }

  function showError(err) {
    notice(err instanceof SimError ? err.message : "เชื่อมต่อเซิร์ฟเวอร์ไม่ได้ค่ะ ลองใหม่อีกครั้ง", true);
  }

  function enqueue(task) {
    // One event at a time, in the order the person acted, as on a phone.
    queue = queue.then(task).catch(showError);
    return queue;
  }

  function sendEvent(payload) {
    followUp = true;
    return enqueue(function () {
      return api("/event", Object.assign({ as: person.as }, payload)).then(postSigned).then(awaitAnswer);
    });
  }

  function sendText(text) {
    text = (text || "").trim();
    if (!text) return queue;
    hideQuick();
    return sendEvent({ type: "text", text: text });
  }

  function sendPostback(data, displayText, params) {
    hideQuick();
    return sendEvent({ type: "postback", data: data, displayText: displayText || null, params: params || null });
  }

  function sendImage(file) {
    followUp = true;
    return enqueue(function () {
      var form = new FormData();
      form.append("as", person.as);
      form.append("file", file);
      // The quick replies stay until the file is accepted: a refused file changes nothing.
      return fetch(config.api + "/image", { method: "POST", body: form }).then(readJson)
        .then(function (signed) { hideQuick(); return postSigned(signed); }).then(awaitAnswer);
    });
  }

  function openUri(uri) {
    var url;
    try { url = new URL(uri, window.location.href); } catch (e) { notice("ลิงก์ไม่ถูกต้องค่ะ", true); return; }
    if (["http:", "https:", "tel:", "mailto:"].indexOf(url.protocol) < 0) {
      notice("ตัวจำลองเปิดลิงก์ชนิดนี้ไม่ได้: " + url.protocol, true);
      return;
    }
    window.open(url.href, "_blank", "noopener");
  }

  function pickDateTime(action) {
    var mode = action.mode === "time" ? "time" : action.mode === "datetime" ? "datetime-local" : "date";
    var row = el("div", "notice");
    var box = el("span");
    var field = el("input");
    field.type = mode;
    if (action.initial) field.value = action.initial;
    if (action.min) field.min = action.min;
    if (action.max) field.max = action.max;
    var ok = el("button", "", "ตกลง");
    var cancel = el("button", "", "ยกเลิก");
    ok.type = cancel.type = "button";
    box.appendChild(el("span", "", (action.label || "เลือก") + " "));
    box.appendChild(field);
    box.appendChild(ok);
    box.appendChild(cancel);
    row.appendChild(box);
    messages.appendChild(row);
    scrollDown();
    field.focus();
    cancel.addEventListener("click", function () { row.remove(); });
    ok.addEventListener("click", function () {
      if (!field.value) return;
      var key = mode === "time" ? "time" : mode === "date" ? "date" : "datetime";
      row.remove();
      sendPostback(action.data, null, (function () { var p = {}; p[key] = field.value; return p; })());
    });
  }

  function runAction(action) {
    if (!action || typeof action !== "object") return;
    switch (action.type) {
      case "message": sendText(action.text); break;
      // The deprecated `text` of a postback showed in the chat just as displayText does.
      case "postback": sendPostback(action.data, action.displayText || action.text, null); break;
      case "uri": openUri(action.uri); break;
      case "datetimepicker": pickDateTime(action); break;
      case "camera":
      case "cameraRoll": imageInput.click(); break;
      case "richmenuswitch":
        sendPostback(action.data, null, { newRichMenuAliasId: String(action.richMenuAliasId || ""), status: "SUCCESS" });
        break;
      case "clipboard":
        if (navigator.clipboard) navigator.clipboard.writeText(action.clipboardText || "");
        notice("คัดลอกแล้ว");
        break;
      default: notice("ตัวจำลองยังไม่รองรับปุ่มชนิด " + String(action.type), true);
    }
  }

  /* --- drawing what arrives ---------------------------------------------------------------------- */

  function clock(at) {
    try {
      return new Date(at * 1000).toLocaleTimeString("th-TH", { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
                                                                timeZone: BANGKOK });
    } catch (e) { return ""; }
  }

  function addItem(item, stick) {
    var fromBot = item.from === "bot";
    var row = el("div", "row " + (fromBot ? "bot" : "user"));
    row.dataset.from = item.from;
    if (fromBot && lastFrom === "bot") row.classList.add("cont");
    var col = el("div", "col");
    if (fromBot) {
      row.appendChild(el("div", "avatar", "พ"));
      col.appendChild(el("div", "sender", config.botName));
    }
    var line = el("div", "line");
    var content = window.SimFlex.renderMessage(item.message, runAction);
    if (content.classList.contains("flex-carousel")) {
      // A carousel runs to the chat's edge, as on a phone; its time goes underneath.
      line.classList.add("wide");
      col.classList.add("wide");
    }
    if (loaded) content.classList.add("fresh");
    // An image has no height until it loads: scroll again then, or it hides the reply below it.
    Array.prototype.forEach.call(content.querySelectorAll ? content.querySelectorAll("img") : [], function (img) {
      img.addEventListener("load", function () { if (stick) scrollDown(); });
    });
    if (content.tagName === "IMG") content.addEventListener("load", function () { if (stick) scrollDown(); });
    line.appendChild(content);
    line.appendChild(el("span", "time", clock(item.at)));
    col.appendChild(line);
    row.appendChild(col);
    messages.appendChild(row);
    lastFrom = item.from;
    var quickReply = item.message && item.message.quickReply;
    setQuick(fromBot && quickReply && Array.isArray(quickReply.items) ? quickReply.items : null);
  }

  function hideQuick() { setQuick(null); }

  function setQuick(items) {
    // Quick replies belong to the newest message only: anything newer takes them away.
    quick.replaceChildren();
    quick.hidden = !items || !items.length;
    (items || []).forEach(function (entry) {
      var action = entry && entry.action;
      if (!action) return;
      var chip = el("button", "chip", window.SimFlex.actionLabel(action));
      chip.type = "button";
      chip.title = window.SimFlex.actionLabel(action);
      chip.addEventListener("click", function () { runAction(action); });
      quick.appendChild(chip);
    });
    if (!quick.hidden && nearBottom()) scrollDown();
  }

  function lightUp(count) {
    // Messages nobody in this tab asked for (pushes: a request to approve, a result, a reminder)
    // light the tab up until the person touches it, so side-by-side tabs show who has news.
    unread += count;
    document.title = "(" + unread + ") " + baseTitle;
    var badge = $("new-badge");
    badge.textContent = "ใหม่ " + unread;
    badge.hidden = false;
    $("chat-head").classList.add("flash");
    document.body.dataset.unread = String(unread);
  }

  function seen() {
    if (!unread) return;
    unread = 0;
    document.title = baseTitle;
    $("new-badge").hidden = true;
    $("chat-head").classList.remove("flash");
    delete document.body.dataset.unread;
  }
  document.addEventListener("pointerdown", seen, true);
  document.addEventListener("keydown", seen, true);

  /* --- the menu ------------------------------------------------------------------------------------ */

  var menuKey = null;
  var menuOpen = null;
  var richmenu = $("richmenu");
  var chatbar = $("chatbar");
  var chatBarText = "เมนู";

  function setMenuOpen(open) {
    menuOpen = open;
    richmenu.hidden = !open;
    chatbar.textContent = chatBarText + (open ? " ▾" : " ▴");
    if (nearBottom()) scrollDown();
  }
  chatbar.addEventListener("click", function () { setMenuOpen(!menuOpen); });
  $("menu-toggle").addEventListener("click", function () { setMenuOpen(!menuOpen); });

  function drawMenu(menu) {
    var key = JSON.stringify([menu.id, menu.image, menu.fallback ? menu.fallback.length : 0]);
    if (key === menuKey) return;
    menuKey = key;
    richmenu.replaceChildren();
    chatBarText = menu.chatBarText || "เมนู";
    if (menu.id && menu.image && menu.size) {
      var wrap = el("div", "rm-image");
      var img = el("img");
      img.alt = chatBarText;
      img.src = menu.image;
      wrap.appendChild(img);
      (menu.areas || []).forEach(function (area) {
        var b = area.bounds || {};
        var btn = el("button", "rm-area");
        btn.type = "button";
        btn.style.left = (100 * b.x / menu.size.width) + "%";
        btn.style.top = (100 * b.y / menu.size.height) + "%";
        btn.style.width = (100 * b.width / menu.size.width) + "%";
        btn.style.height = (100 * b.height / menu.size.height) + "%";
        btn.title = window.SimFlex.actionLabel(area.action);
        btn.setAttribute("aria-label", window.SimFlex.actionLabel(area.action) || "เมนู");
        btn.addEventListener("click", function () { runAction(area.action); });
        wrap.appendChild(btn);
      });
      richmenu.appendChild(wrap);
    } else {
      var grid = el("div", "rm-grid");
      var actions = menu.fallback || (menu.areas || []).map(function (a) { return a.action; });
      actions.forEach(function (action) {
        var tile = el("button", "rm-tile", window.SimFlex.actionLabel(action));
        tile.type = "button";
        tile.addEventListener("click", function () { runAction(action); });
        grid.appendChild(tile);
      });
      richmenu.appendChild(grid);
      if (!menu.id) richmenu.appendChild(el("div", "rm-note", "เมนูชั่วคราวของตัวจำลอง (บอทยังไม่ได้ตั้งริชเมนูให้ผู้ใช้นี้)"));
    }
    setMenuOpen(menuOpen === null ? menu.selected !== false : menuOpen);
  }

  /* --- polling ------------------------------------------------------------------------------------- */

  var inflight = null;

  function poll() {
    if (inflight) return inflight.then(function () { return fetchInbox(); });
    return fetchInbox();
  }

  /* The bot answers from its worker a moment after /callback said 200 (as on LINE): look again
     every tenth of a second until something arrives, for a few seconds at most. */
  function awaitAnswer() {
    var before = after, tries = 0;
    function again() {
      return poll().then(function () {
        if (after !== before || ++tries >= 40) return null;
        return new Promise(function (resolve) { window.setTimeout(resolve, 100); }).then(again);
      });
    }
    return again();
  }

  function fetchInbox() {
    var url = config.api + "/inbox?as=" + encodeURIComponent(person.as) + "&after=" + after + "&echo=" + echo;
    inflight = fetch(url, { cache: "no-store" }).then(readJson).then(function (data) {
      var stick = nearBottom() || !loaded || followUp;
      var pushed = 0;
      data.items.forEach(function (item) {
        addItem(item, stick);
        if (item.from === "bot" && item.via !== "reply") pushed += 1;
      });
      after = data.after;
      echo = data.echo;
      if (data.items.length && stick) {
        scrollDown();
        followUp = false;
      }
      if (pushed && loaded) lightUp(pushed);
      if (data.menu) drawMenu(data.menu);
      $("chat-sub").textContent = data.linked ? data.linked : person.name;
      loaded = true;
      messages.dataset.after = String(after);
    }).catch(function () { /* the next tick tries again */ }).then(function () { inflight = null; });
    return inflight;
  }

  /* --- the text bar -------------------------------------------------------------------------------- */

  $("composer").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    sendButton.disabled = true;
    sendText(text).then(function () { sendButton.disabled = false; input.focus(); });
  });

  imageInput.addEventListener("change", function () {
    var file = imageInput.files && imageInput.files[0];
    if (file) sendImage(file);
    imageInput.value = "";
  });

  /* --- start: become a friend (and, for staff, link), then listen ----------------------------------- */

  enqueue(function () {
    var opened = null;
    return api("/open", { as: person.as }).then(function (data) {
      opened = data;
      return data.steps.reduce(function (chain, step) {
        return chain.then(function () {
          return api("/event", Object.assign({ as: person.as }, step)).then(postSigned);
        });
      }, Promise.resolve());
    }).then(poll).then(function () { if (opened && opened.notice) notice(opened.notice); });
  }).then(function () { document.body.dataset.ready = "1"; });
  poll();
  window.setInterval(function () { if (!inflight) fetchInbox(); }, POLL_MS);
})();
