// Drag and drop for the agenda editor: reorders the list and posts the new order.
// Only an enhancement: the up/down buttons (plain forms) work without JavaScript.
(function () {
  "use strict";

  function init() {
    var list = document.querySelector(".agenda-editor[data-order-url]");
    if (!list || !window.fetch) { return; }
    var status = document.createElement("p");
    status.className = "small text-body-secondary";
    status.setAttribute("role", "status");
    list.parentNode.insertBefore(status, list.nextSibling);
    var dragged = null;

    function save() {
      var body = new URLSearchParams();
      body.append("csrf_token", list.dataset.csrf);
      list.querySelectorAll("[data-item-id]").forEach(function (li) { body.append("item", li.dataset.itemId); });
      fetch(list.dataset.orderUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        status.textContent = list.dataset.labelSaved;
        // The move buttons' disabled states follow from the server's page: reload it quietly.
        window.location.reload();
      }).catch(function () { status.textContent = list.dataset.labelFailed; });
    }

    list.querySelectorAll("[data-item-id]").forEach(function (li) {
      li.setAttribute("draggable", "true");
      li.addEventListener("dragstart", function (event) {
        dragged = li;
        li.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", li.dataset.itemId);
      });
      li.addEventListener("dragend", function () {
        li.classList.remove("dragging");
        list.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
      });
      li.addEventListener("dragover", function (event) {
        if (!dragged || dragged === li) { return; }
        event.preventDefault();
        li.classList.add("drop-target");
      });
      li.addEventListener("dragleave", function () { li.classList.remove("drop-target"); });
      li.addEventListener("drop", function (event) {
        event.preventDefault();
        li.classList.remove("drop-target");
        if (!dragged || dragged === li) { return; }
        var items = Array.prototype.slice.call(list.children);
        var after = items.indexOf(dragged) < items.indexOf(li);
        list.insertBefore(dragged, after ? li.nextSibling : li);
        save();
      });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
