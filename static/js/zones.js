// Shows a typed local date and time of a plenary in Berlin and Beijing time as the organizer types.
// Progressive enhancement: the server renders the same line for stored and submitted values.
(function () {
  "use strict";
  var BERLIN = "Europe/Berlin";
  var BEIJING = "Asia/Shanghai";
  // The formatting locales the server uses for each page language (English: British conventions).
  var LOCALES = { de: "de-DE", en: "en-GB", "zh-Hans": "zh-Hans-CN" };

  // The offset (ms) of zone at the instant t: its wall clock read as UTC, minus t.
  function offset(t, zone) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(new Date(t)).forEach(function (p) { parts[p.type] = p.value; });
    var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
    return wall - Math.floor(t / 1000) * 1000;
  }

  // The instant of a wall-clock time in zone (the first one if it occurs twice), or null if the clocks skip it.
  function instant(dateText, timeText, zone) {
    var d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateText || "");
    var c = /^(\d{2}):(\d{2})/.exec(timeText || "");
    if (!d || !c) { return undefined; }
    var wall = Date.UTC(+d[1], +d[2] - 1, +d[3], +c[1], +c[2]);
    var candidates = [wall - offset(wall - 864e5 / 2, zone), wall - offset(wall + 864e5 / 2, zone)];
    candidates.sort(function (a, b) { return a - b; });
    for (var i = 0; i < candidates.length; i++) {
      if (candidates[i] + offset(candidates[i], zone) === wall) { return candidates[i]; }
    }
    return null;
  }

  function zonesFor(home) {
    if (home === BERLIN) { return [BERLIN, BEIJING]; }
    if (home === BEIJING) { return [BEIJING, BERLIN]; }
    return [home, BERLIN, BEIJING];
  }

  function update(box) {
    var dateInput = document.getElementById(box.dataset.date);
    var timeInput = document.getElementById(box.dataset.time);
    var zoneInput = box.dataset.zoneField ? document.getElementById(box.dataset.zoneField) : null;
    var zone = zoneInput ? zoneInput.value : box.dataset.zone;
    var out = box.querySelector(".zone-preview-value");
    if (!dateInput || !timeInput || !zone || !out) { return; }
    var t;
    try { t = instant(dateInput.value, timeInput.value, zone); } catch (e) { return; }
    if (t === undefined) { out.textContent = "—"; return; }
    if (t === null) { out.textContent = box.dataset.labelGap; return; }
    var lang = LOCALES[document.documentElement.lang] || document.documentElement.lang || "de-DE";
    var firstDay = null;
    out.textContent = zonesFor(zone).map(function (z) {
      var day = new Intl.DateTimeFormat(lang, { timeZone: z, dateStyle: "medium" }).format(new Date(t));
      var clock = new Intl.DateTimeFormat(lang, { timeZone: z, timeStyle: "short" }).format(new Date(t));
      var label = z === BEIJING ? box.dataset.labelBeijing
        : z === BERLIN ? (offset(t, BERLIN) === 7200000 ? box.dataset.labelCest : box.dataset.labelCet) : z;
      // The date once, and again only where the partner zone is already on another day (as the server does).
      var text = firstDay === null || day !== firstDay ? day + ", " + clock : clock;
      if (firstDay === null) { firstDay = day; }
      return text + " " + label;
    }).join(" · ");
  }

  function init() {
    var boxes = document.querySelectorAll("[data-zone-preview]");
    boxes.forEach(function (box) {
      [box.dataset.date, box.dataset.time, box.dataset.zoneField].forEach(function (id) {
        var input = id && document.getElementById(id);
        if (input) {
          input.addEventListener("input", function () { update(box); });
          input.addEventListener("change", function () { update(box); });
        }
      });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
