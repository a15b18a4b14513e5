/* Strength bar under every new-password field (inputs carrying data-strength).
   Scores with zxcvbn (static/vendor/zxcvbn), as the server does; the server still
   decides, and without JavaScript the form simply submits. data-strength lists the ids
   of fields whose values count as guessable (email, names), data-strength-words adds
   literal ones; this script tag's data-min-score is the server's minimum. Server and bar
   both score the first 72 characters. */
(function () {
  "use strict";

  var MAX = 72;
  var script = document.currentScript;
  var MINIMUM = parseInt((script && script.getAttribute("data-min-score")) || "3", 10);
  var LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];
  var COLOURS = ["bg-danger", "bg-danger", "bg-warning", "bg-info", "bg-success"];

  function inputsFor(input) {
    var ids = (input.getAttribute("data-strength") || "").split(/\s+/);
    var words = (input.getAttribute("data-strength-words") || "").split(/\s+/).filter(Boolean);
    ids.forEach(function (id) {
      var field = id && document.getElementById(id);
      if (field && field.value) {
        words.push(field.value);
        words = words.concat(field.value.split(/[^A-Za-z0-9\u00C0-\u024F]+/).filter(function (w) {
          return w.length > 2;
        }));
      }
    });
    return words;
  }

  function attach(input) {
    var minimum = MINIMUM;
    var wrapper = document.createElement("div");
    wrapper.className = "password-strength mt-1";
    wrapper.innerHTML =
      '<div class="progress" role="presentation"><div class="progress-bar" style="width:0%"></div></div>' +
      '<small class="password-strength-text form-text" aria-live="polite"></small>';
    input.insertAdjacentElement("afterend", wrapper);
    var bar = wrapper.querySelector(".progress-bar");
    var text = wrapper.querySelector(".password-strength-text");

    function update() {
      var value = input.value;
      bar.className = "progress-bar";
      if (!value || typeof window.zxcvbn !== "function") {
        bar.style.width = "0%";
        text.textContent = "";
        return;
      }
      var result = window.zxcvbn(value.slice(0, MAX), inputsFor(input));
      var score = result.score;
      bar.style.width = ((score + 1) * 20) + "%";
      bar.classList.add(score >= minimum ? "bg-success" : COLOURS[score]);
      var advice = result.feedback.warning || (result.feedback.suggestions || [])[0] || "";
      text.textContent = LABELS[score] + (score >= minimum ? "." : " — not accepted yet. ") +
        (score >= minimum ? "" : advice);
      wrapper.setAttribute("data-score", String(score));
    }

    input.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("input[data-strength]").forEach(attach);
})();
