// The Jobs page: each queued or running job's row polls its status URL and updates its
// progress bar, count, time left, state, start and end times and result link; it stops
// polling once the job has ended, and then takes one off the navbar's count when the
// job is the user's own.
(function () {
  "use strict";
  var ENDED = ["done", "failed", "cancelled"];

  function fmt(n) { return n === null || n === undefined ? "" : n.toLocaleString("en"); }

  // The navbar badge (layout.html): the user's queued and running jobs.
  function oneLessRunning() {
    var item = document.getElementById("active-jobs");
    var badge = item && item.querySelector('[data-field="active-jobs"]');
    if (!badge) { return; }
    var left = Math.max(0, (parseInt(badge.textContent, 10) || 0) - 1);
    badge.textContent = left;
    item.hidden = left === 0;
  }

  function update(row, s) {
    var pct = s.total ? Math.floor(100 * s.done / s.total) : (s.state === "done" ? 100 : 0);
    var bar = row.querySelector('[data-field="bar"]');
    bar.style.width = pct + "%";
    bar.setAttribute("aria-valuenow", pct);
    row.querySelector('[data-field="count"]').textContent =
      fmt(s.done) + (s.total === null ? "" : " / " + fmt(s.total));
    row.querySelector('[data-field="state"]').textContent = s.state;
    row.querySelector('[data-field="eta"]').textContent = s.time_left || "";
    row.querySelector('[data-field="started"]').textContent = s.started_at || "—";
    row.querySelector('[data-field="finished"]').textContent = s.finished_at || "—";
    var result = row.querySelector('[data-field="result"]');
    if (s.result_url) {
      var a = document.createElement("a");
      a.href = s.result_url;
      a.textContent = "Download";
      result.replaceChildren(a);
    } else if (s.state === "failed") {
      var span = document.createElement("span");
      span.className = "text-danger";
      span.textContent = s.message;
      result.replaceChildren(span);
    }
    if (ENDED.indexOf(s.state) >= 0) {
      var cancel = row.querySelector('[data-field="cancel"]');
      if (cancel) { cancel.remove(); }
      if (row.hasAttribute("data-mine")) { oneLessRunning(); }
      return true;
    }
    return false;
  }

  function poll(row) {
    var url = row.getAttribute("data-status-url");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) { if (!update(row, s)) { setTimeout(function () { poll(row); }, 1000); } })
      .catch(function () { setTimeout(function () { poll(row); }, 5000); });
  }

  document.querySelectorAll("tr[data-status-url]").forEach(poll);
})();
