// Idea form: live similar-idea suggestions and "use my location". The form works without this file.
(function () {
  "use strict";
  var form = document.querySelector(".idea-form");
  if (!form) return;

  var aside = document.querySelector("[data-similar-url]");
  var list = aside && aside.querySelector(".similar-list");
  var title = form.querySelector("#title");
  var body = form.querySelector("#body");
  var timer = null;
  var lastQuery = "";

  function render(ideas, emptyText) {
    list.textContent = "";
    if (!ideas.length) {
      var none = document.createElement("li");
      none.className = "muted similar-none";
      none.textContent = emptyText;
      list.appendChild(none);
      return;
    }
    ideas.forEach(function (idea) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = idea.url;
      link.textContent = idea.title;
      if (idea.language && idea.language !== document.documentElement.lang) link.lang = idea.language;
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function refresh() {
    var query = "title=" + encodeURIComponent(title.value) + "&body=" + encodeURIComponent(body.value.slice(0, 2000));
    if (aside.dataset.exclude) query += "&exclude=" + encodeURIComponent(aside.dataset.exclude);
    if (query === lastQuery) return;
    lastQuery = query;
    var emptyText = (list.querySelector(".similar-none") || {}).textContent || "";
    fetch(aside.dataset.similarUrl + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) render(data.ideas, emptyText); })
      .catch(function () { /* suggestions are a help, not a requirement */ });
  }

  if (aside && list && title && body) {
    [title, body].forEach(function (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 400);
      });
    });
    // Typed into before this script ran (a slow connection): catch up once.
    if (title.value !== title.defaultValue || body.value !== body.defaultValue) refresh();
  }

  var locate = form.querySelector("[data-locate]");
  var status = form.querySelector("[data-locate-status]");
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = locate.dataset.busy || "…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector("#latitude").value = position.coords.latitude.toFixed(6);
          form.querySelector("#longitude").value = position.coords.longitude.toFixed(6);
          status.textContent = "";
        },
        function () { status.textContent = locate.dataset.error; },
        { enableHighAccuracy: true, timeout: 15000 }
      );
    });
  }
})();
