// Rows added and removed in place (delegates, speakers, parties): no reload, the scroll position kept.
//
// Only an enhancement: every row button is a plain submit button that the server handles
// (plenary/rows.py) and that keeps working without JavaScript. Here such a press is sent with
// fetch instead; the server answers with the whole page as it would without JavaScript, and only
// the rows' block ([data-rows="…"]) is taken from it. So the rows look exactly as the server draws
// them, whatever fields they have, numbered and labelled by the server, with what was typed kept.
// Focus goes to the first field of the new row (after "add") or of the row that took the removed
// one's place; a live region says what happened.
(function () {
  "use strict";

  var FIELDS = "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea";

  function announce(block, text) {
    var status = block.querySelector("[data-rows-status]");
    if (!status) {
      status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      status.setAttribute("data-rows-status", "");
      block.appendChild(status);
    }
    status.textContent = text || "";
  }

  function rowsOf(block) {
    return Array.prototype.filter.call(block.querySelectorAll("[data-row]"), function (row) {
      return row.closest("[data-rows]") === block;
    });
  }

  function focusRow(block, index) {
    var rows = rowsOf(block);
    var target = null;
    if (rows.length) {
      var row = rows[Math.max(0, Math.min(index, rows.length - 1))];
      target = row.querySelector(FIELDS);
    }
    if (!target) { target = block.querySelector("[data-rows-add], [type=submit][name^=\"add_\"]"); }
    if (target) { target.focus({ preventScroll: false }); }
    return target;
  }

  function press(block, button) {
    var form = button.form;
    var data = new FormData(form);
    data.append(button.name, button.value);
    var before = rowsOf(block).length;
    var index = parseInt(button.value, 10);
    var removed = /^remove_/.test(button.name) ? index : null;
    var moved = /_up$/.test(button.name) ? index - 1 : (/_down$/.test(button.name) ? index + 1 : null);
    block.setAttribute("aria-busy", "true");
    button.disabled = true;
    return fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "text/html" }
    }).then(function (response) {
      // A row press is answered with the form again (400: it was not sent off); anything else is news.
      if (response.status !== 200 && response.status !== 400) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.querySelector('[data-rows="' + block.getAttribute("data-rows") + '"]');
      if (!fresh) { throw new Error("no rows in the answer"); }
      block.innerHTML = fresh.innerHTML;
      block.removeAttribute("aria-busy");
      var after = rowsOf(block).length;
      if (after > before) {
        focusRow(block, after - 1);
        announce(block, block.getAttribute("data-rows-added"));
      } else if (after < before) {
        focusRow(block, removed === null || isNaN(removed) ? after - 1 : removed);
        announce(block, block.getAttribute("data-rows-removed"));
      } else if (moved !== null && !isNaN(moved)) {
        focusRow(block, moved);
        announce(block, block.getAttribute("data-rows-moved"));
      } else {
        focusRow(block, after - 1);
        announce(block, block.getAttribute("data-rows-unchanged"));
      }
    }).catch(function () {
      // The way without JavaScript: send the form with the pressed button.
      block.removeAttribute("aria-busy");
      button.disabled = false;
      block.setAttribute("data-rows-fallback", "1");
      if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
    });
  }

  function init() {
    if (!window.fetch || !window.FormData || !window.DOMParser) { return; }
    document.querySelectorAll("[data-rows]").forEach(function (block) {
      block.addEventListener("click", function (event) {
        var button = event.target.closest("button[type=submit], input[type=submit]");
        if (!button || !block.contains(button) || !button.name || block.hasAttribute("data-rows-fallback")) { return; }
        if (!/^(add|remove)_|_(up|down)$/.test(button.name)) { return; }
        event.preventDefault();
        press(block, button);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
