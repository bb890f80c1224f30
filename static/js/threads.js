// Comment up/down votes update in place; without this file they are ordinary form posts.
(function () {
  "use strict";
  // A link to a reply opens the folded replies around it (browsers differ in doing this themselves).
  // Arriving at a comment (after posting one, the page opens at #comment-N) also moves focus
  // to it, so keyboard and screen reader users continue from there; but on load an error
  // summary that took focus first keeps it.
  function reveal(event) {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (!target) return;
    target.scrollIntoView();
    var onLoad = event && event.type === "DOMContentLoaded";
    var taken = document.activeElement && document.activeElement !== document.body;
    if (target.classList.contains("comment") && !(onLoad && taken)) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }
  window.addEventListener("hashchange", reveal);
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-comment-vote-form] button[name=value]");
    if (!button || !window.fetch) return;
    var form = button.form;
    event.preventDefault();
    var body = new FormData(form);
    body.set("value", button.value);
    window.gongronPostInPlace(form, body, function (data, ok) {
      if (!ok) return;
      form.querySelector("[data-count=up]").textContent = data.up;
      form.querySelector("[data-count=down]").textContent = data.down;
      form.querySelectorAll("button[name=value]").forEach(function (b) {
        var chosen = (b.value === "up" && data.mine === 1) || (b.value === "down" && data.mine === -1);
        b.classList.toggle("chosen", chosen);
        b.setAttribute("aria-pressed", chosen ? "true" : "false");
      });
    }, button);
  });
})();
