/* Behaviour for every page, bound from data attributes: the Content-Security-Policy
   forbids inline handlers, so templates say what they want and this file does it. */
(function () {
  "use strict";

  // Confirm before submitting a form whose button carries data-confirm.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Flask-Admin inline forms: "Add item" buttons.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-inline-add]");
    if (link && window.faForm) {
      event.preventDefault();
      window.faForm.addInlineField(link, link.getAttribute("data-inline-add"));
    }
  });

  // Links that exist only for their JavaScript behaviour must not navigate.
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href="#"], a[href^="javascript:"]');
    if (link) {
      event.preventDefault();
    }
  });

  // Bulk actions: "select all on this page".
  document.addEventListener("change", function (event) {
    if (!event.target.matches(".bulk-toggle-all")) {
      return;
    }
    document.querySelectorAll(".bulk-row").forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
})();
