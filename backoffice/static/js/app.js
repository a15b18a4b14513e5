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

  // Select2 (3.5) copies a field's label into its own hidden labels only when it
  // starts, and only by id: name any of its inputs left without a label.
  function labelSelect2(root) {
    root.querySelectorAll(".select2-container[id^='s2id_']").forEach(function (box) {
      var label = document.querySelector("label[for='" + box.id.slice(5) + "']");
      var text = label ? label.textContent.replace("*", "").trim() : "";
      box.querySelectorAll("input").forEach(function (input) {
        if (text && !(input.labels && input.labels.length && input.labels[0].textContent.trim())) {
          input.setAttribute("aria-label", text);
        }
      });
    });
  }

  // Flask-Admin inline forms: "Add item" buttons. Its script renames the new line's
  // fields (quantity → items-1-quantity) but not their labels: point those at the
  // renamed fields, so each label still names (and focuses) its field.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-inline-add]");
    if (!link || !window.faForm) {
      return;
    }
    event.preventDefault();
    window.faForm.addInlineField(link, link.getAttribute("data-inline-add"));
    var list = link.parentElement.querySelector(".inline-field-list");
    var added = list && list.lastElementChild;
    if (!added) {
      return;
    }
    added.querySelectorAll("label[for]").forEach(function (label) {
      var field = added.querySelector("[name][id$='-" + label.htmlFor + "']");
      if (field) {
        label.htmlFor = field.id;
      }
    });
    labelSelect2(added);
  });

  // Links that exist only for their JavaScript behaviour must not navigate. Caught on
  // the way down (capture): Flask-Admin's menu script stops the click on the way up,
  // and a javascript: navigation is then blocked by the CSP with a console error.
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href="#"], a[href^="javascript:"]');
    if (link) {
      event.preventDefault();
    }
  }, true);

  // Flask-Admin's filter script builds each filter row (condition select, value input
  // and their Select2 stand-ins) without labels: name them after their filter
  // ("Status: condition", "Status: value") so screen readers say what they are for.
  function labelFilterRows(table) {
    table.querySelectorAll("tr").forEach(function (row) {
      var button = row.querySelector(".remove-filter");
      var name = button ? button.textContent.replace("\u00d7", "").trim() : "Filter";
      row.querySelectorAll("td").forEach(function (cell, index) {
        var part = index === 1 ? "condition" : "value";
        cell.querySelectorAll("input:not([type=hidden]), select").forEach(function (field) {
          if (!field.hasAttribute("aria-label")) {
            field.setAttribute("aria-label", name + ": " + part);
          }
        });
      });
    });
  }

  document.querySelectorAll("table.filters").forEach(function (table) {
    labelFilterRows(table);
    new MutationObserver(function () { labelFilterRows(table); })
      .observe(table, { childList: true, subtree: true });
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
