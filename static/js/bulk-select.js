// The registrations list's "select all on this page": ticks every row (the form also works without this:
// the server then takes every id of the page). Unticking one row unticks "all", so the ticked rows count.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.form;
    var rows = function () {
      return document.querySelectorAll('input[type="checkbox"][form="' + form.id + '"][name="' + all.dataset.selectAll + '"]');
    };
    all.addEventListener("change", function () {
      rows().forEach(function (row) { row.checked = all.checked; });
    });
    rows().forEach(function (row) {
      row.addEventListener("change", function () {
        if (!row.checked) { all.checked = false; }
      });
    });
  });
});
