// Small behaviours of the frame. No inline scripts (the CSP allows only files served here).
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  function wire(root) {
    // "Select all" checkbox for bulk actions.
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll(box.getAttribute("data-select-all")).forEach(function (item) { item.checked = box.checked; });
        updateBulk();
      });
    });
    root.querySelectorAll("[data-bulk-item]").forEach(function (item) { item.addEventListener("change", updateBulk); });
    // Forms that need a confirmation before they are sent (irreversible steps).
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // Selects that submit their form when changed (page size).
    root.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.requestSubmit ? sel.form.requestSubmit() : sel.form.submit(); });
    });
  }
  function updateBulk() {
    var n = document.querySelectorAll("[data-bulk-item]:checked").length;
    document.querySelectorAll("[data-bulk-count]").forEach(function (el) { el.textContent = String(n); });
    document.querySelectorAll("[data-bulk-button]").forEach(function (btn) { btn.disabled = n === 0; });
  }
  ready(function () { wire(document); updateBulk(); });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); updateBulk(); });
})();
