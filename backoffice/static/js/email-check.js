/* Admin user form: say as you type whether the email is valid and already used.
   Asks the staff-only JSON endpoint named in this script tag's data-url (data-user-id:
   the account being edited, which may keep its own address). Advisory only: the server
   checks again on save. */
(function () {
  "use strict";

  var script = document.currentScript;
  var field = document.getElementById("email");
  if (!script || !field) {
    return;
  }
  var url = script.getAttribute("data-url");
  var userId = script.getAttribute("data-user-id");
  var note = document.createElement("small");
  note.className = "form-text email-check";
  note.setAttribute("aria-live", "polite");
  field.insertAdjacentElement("afterend", note);
  var timer = null;
  var latest = 0;

  function check() {
    var value = field.value.trim();
    if (!value) {
      note.textContent = "";
      return;
    }
    var ticket = ++latest;
    var query = "?email=" + encodeURIComponent(value) + (userId ? "&id=" + encodeURIComponent(userId) : "");
    fetch(url + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (ticket !== latest) {
          return; // an older answer arriving late
        }
        var ok = data.valid && !data.taken;
        note.className = "form-text email-check " + (ok ? "text-success" : "text-danger");
        note.textContent = data.message || data.error || "";
      })
      .catch(function () { note.textContent = ""; });
  }

  field.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  });
})();
