/* Questions shown only for an attendance mode or when another answer has a given value: shown and hidden
   while the person types (progressive enhancement; the server decides the same way when the form is sent,
   and a hidden question is neither required nor stored). Delegate rows replaced by rows.js are covered too:
   everything is looked up again on each change. */
(function () {
  "use strict";

  function chosen(form, name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { values.push(input.value); }
      } else if (input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function visible(form, wrapper) {
    var mode = wrapper.getAttribute("data-question-mode");
    var modeField = wrapper.getAttribute("data-question-mode-field");
    if (mode && modeField && form.querySelector('[name="' + modeField + '"]')) {
      if (chosen(form, modeField).indexOf(mode) < 0) { return false; }
    }
    var when = wrapper.getAttribute("data-question-when");
    if (when) {
      var source = form.querySelector('[data-question="' + when + '"]');
      if (source && source.hidden) { return false; }
      var wanted = (wrapper.getAttribute("data-question-values") || "").split(" ");
      return chosen(form, when).some(function (value) { return wanted.indexOf(value) >= 0; });
    }
    return true;
  }

  function update(form) {
    // In order: a question depends only on earlier ones, so one pass settles them.
    form.querySelectorAll("[data-question]").forEach(function (wrapper) {
      wrapper.hidden = !visible(form, wrapper);
    });
  }

  function init() {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-question]")) { return; }
      form.addEventListener("change", function () { update(form); });
      form.addEventListener("input", function () { update(form); });
      update(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
