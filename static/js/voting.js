// Support buttons update in place; without this file they are ordinary form posts.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-vote-form]") || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    window.gongronPostInPlace(form, new FormData(form), function (data, ok) {
      if (ok) {
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
    });
  });
})();
