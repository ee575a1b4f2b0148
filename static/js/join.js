// The join link's waiting page: the start in the browser's own zone (where it is none of the zones the server
// already shows), a countdown, and a reload the moment the meeting opens. Progressive enhancement: without it the
// page shows the same times and reloads itself (meta refresh).
(function () {
  "use strict";
  var LOCALES = { de: "de-DE", en: "en-GB", "zh-Hans": "zh-Hans-CN" };

  function init() {
    var page = document.querySelector("[data-join-opens]");
    if (!page) { return; }
    var lang = LOCALES[document.documentElement.lang] || document.documentElement.lang || "de-DE";
    var own;
    try { own = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { own = null; }
    var item = page.querySelector(".join-browser-time");
    var first = page.querySelector(".join-times time");
    if (item && first && own && item.dataset.zones.split(" ").indexOf(own) < 0) {
      var start = new Date(first.getAttribute("datetime"));
      var text = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short", timeZone: own }).format(start);
      item.textContent = text + " (" + item.dataset.label + ", " + own + ")";
      item.hidden = false;
    }
    var opens = Date.parse(page.dataset.joinOpens);
    var out = page.querySelector(".join-countdown");
    if (isNaN(opens)) { return; }
    var plural = null;
    try { plural = new Intl.PluralRules(lang); } catch (e) { plural = null; }
    // More than a day: whole days, in the page's words ("in 59 Tagen", "59 天后"); under a day: h:mm:ss.
    function countdown(left) {
      var s = Math.floor(left / 1000), days = Math.floor(s / 86400);
      if (days >= 1) {
        var form = plural && plural.select(days) === "one" ? "daysOne" : "daysOther";
        var words = out.dataset[form] || out.dataset.daysOther;
        return words.replace("{n}", new Intl.NumberFormat(lang).format(days));
      }
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      var clock = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s % 60).padStart(2, "0");
      return out.dataset.label.replace("{t}", clock);
    }
    function tick() {
      var left = opens - Date.now();
      if (left <= 0) { window.location.reload(); return; }
      if (out) { out.textContent = " " + countdown(left); }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
