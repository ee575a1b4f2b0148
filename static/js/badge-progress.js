// The badges page: while a PDF is being built, ask its status every two seconds and show the progress, then the
// download link. Without this script the page's "Reload" link does the same.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var label = function (id) { return document.getElementById(id).content.textContent; };
  document.querySelectorAll("tr[data-batch-status]").forEach(function (row) {
    var bar = row.querySelector("progress");
    var text = row.querySelector("[data-progress-text]");
    var cell = row.querySelector("[data-download]");
    var poll = function () {
      fetch(row.dataset.batchStatus, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) { return; }
          bar.max = state.total || 1;
          bar.value = state.done;
          text.textContent = (state.message ? state.message + " " : "") + state.done + " / " + state.total;
          if (state.download) {
            var link = document.createElement("a");
            link.href = state.download;
            link.textContent = label("download-label");
            cell.replaceChildren(link);
            text.textContent = label("ready-label") + " " + state.done + " / " + state.total;
          } else if (state.status === "failed") {
            text.textContent = label("failed-label");
          } else {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  });
});
