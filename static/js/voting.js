// Support buttons update in place; without this file they are ordinary form posts.
(function () {
  "use strict";
  var live = null;

  function announce(text) {
    live = live || document.querySelector("[data-live-message]");
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-vote-form]") || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        var data = result.data;
        if (!data) { form.submit(); return; }
        if (result.ok) {
          var voted = data.voted;
          form.action = voted ? form.dataset.unvoteUrl : form.dataset.voteUrl;
          button.textContent = voted ? form.dataset.labelUnvote : form.dataset.labelVote;
          button.setAttribute("aria-pressed", voted ? "true" : "false");
          button.classList.toggle("voted", voted);
          document.querySelectorAll("[data-votes-left]").forEach(function (node) { node.textContent = data.votes_left_text; });
        }
        var ideaId = form.action.match(/ideas\/(\d+)\//)[1];
        document.querySelectorAll('[data-vote-count="' + ideaId + '"]').forEach(function (node) {
          if (data.vote_count_text) node.textContent = data.vote_count_text;
        });
        var text = result.ok ? data.message : data.error.message;
        announce(text);
        var note = form.querySelector(".vote-message");
        if (!note) {
          note = document.createElement("span");
          note.className = "vote-message";
          form.appendChild(note);
        }
        note.textContent = text;
        note.classList.toggle("vote-message-error", !result.ok);
      })
      .catch(function () { form.submit(); })
      .then(function () { button.disabled = false; });
  });
})();
