// The front desk's receipt: its print button (no inline script under the page's CSP).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
