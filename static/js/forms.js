// A form refused by the server comes back with its error summary on top: move focus
// there, so a screen reader reads the errors and a keyboard user starts from their links
// (the GOV.UK pattern). The summary carries tabindex=-1 for this.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (!summary) return;
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
  });
})();
