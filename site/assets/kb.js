/* The claims ledger filter: one button per status, and ?status=NAME in the address.
   Without JavaScript every claim is listed, so nothing depends on this script. */
(function () {
  "use strict";

  var ORDER = ["verified", "not-verified", "disputed", "failing", "unknown"];
  var LABELS = {
    "verified": "verified",
    "not-verified": "not verified",
    "disputed": "disputed",
    "failing": "failing",
    "unknown": "unknown"
  };

  function setUp(root) {
    if (root.getAttribute("data-kb-ready")) return;
    root.setAttribute("data-kb-ready", "1");
    var rows = Array.prototype.slice.call(root.querySelectorAll("tbody tr[data-status]"));
    var counts = {};
    rows.forEach(function (row) {
      var s = row.getAttribute("data-status");
      counts[s] = (counts[s] || 0) + 1;
    });
    var group = document.createElement("div");
    group.className = "kb-filter";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Show claims with status");
    var live = document.createElement("p");
    live.className = "kb-filter-count";
    live.setAttribute("aria-live", "polite");
    var buttons = [];

    function add(value, label) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-value", value);
      b.textContent = label;
      b.addEventListener("click", function () { apply(value, true); });
      group.appendChild(b);
      buttons.push(b);
    }

    function apply(value, remember) {
      var shown = 0;
      rows.forEach(function (row) {
        var show = value === "all" || row.getAttribute("data-status") === value;
        row.hidden = !show;
        if (show) shown += 1;
      });
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-value") === value));
      });
      live.textContent = "Showing " + shown + " of " + rows.length + " claims" +
        (value === "all" ? "." : " (" + (LABELS[value] || value) + ").");
      if (remember && window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        if (value === "all") url.searchParams.delete("status"); else url.searchParams.set("status", value);
        window.history.replaceState(null, "", url.toString());
      }
    }

    add("all", "all (" + rows.length + ")");
    ORDER.forEach(function (s) {
      if (counts[s]) add(s, LABELS[s] + " (" + counts[s] + ")");
    });
    var slot = root.querySelector(".kb-filter-slot") || root;
    slot.appendChild(group);
    slot.appendChild(live);

    var wanted = new URL(window.location.href).searchParams.get("status");
    apply(wanted && counts[wanted] ? wanted : "all", false);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-kb-filter]"), setUp);
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
