// Comment up/down votes update in place; without this file they are ordinary form posts.
(function () {
  "use strict";
  // A link to a reply opens the folded replies around it (browsers differ in doing this themselves).
  function reveal() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (target) target.scrollIntoView();
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
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        var data = result.data;
        if (!data) { form.submit(); return; }
        if (result.ok) {
          form.querySelector("[data-count=up]").textContent = data.up;
          form.querySelector("[data-count=down]").textContent = data.down;
          form.querySelectorAll("button[name=value]").forEach(function (b) {
            var chosen = (b.value === "up" && data.mine === 1) || (b.value === "down" && data.mine === -1);
            b.classList.toggle("chosen", chosen);
            b.setAttribute("aria-pressed", chosen ? "true" : "false");
          });
        }
        var live = document.querySelector("[data-live-message]");
        if (live) live.textContent = result.ok ? data.message : data.error.message;
        var note = form.querySelector(".vote-message");
        if (!note) { note = document.createElement("span"); note.className = "vote-message"; form.appendChild(note); }
        note.textContent = result.ok ? data.message : data.error.message;
        note.classList.toggle("vote-message-error", !result.ok);
      })
      .catch(function () { form.submit(); })
      .then(function () { form.querySelectorAll("button").forEach(function (b) { b.disabled = false; }); });
  });
})();
