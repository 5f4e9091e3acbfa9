// Order pages: a button that needs a confirmation before its form is sent (reject, cancel,
// irreversible execution steps). No inline scripts: the CSP allows only files served here.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm-click]");
    if (button && !window.confirm(button.getAttribute("data-confirm-click"))) { event.preventDefault(); }
  });
})();
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
