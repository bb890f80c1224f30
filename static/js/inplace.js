// Forms that update in place: post as JSON, show the answer next to the form and
// to screen readers, and fall back to an ordinary form post on any surprise.
(function () {
  "use strict";
  var live = null;

  function say(form, text, ok) {
    live = live || document.querySelector("[data-live-message]");
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
    var note = form.querySelector(".vote-message");
    if (!note) {
      note = document.createElement("span");
      note.className = "vote-message";
      form.appendChild(note);
    }
    note.textContent = text;
    note.classList.toggle("vote-message-error", !ok);
  }

  // The plain way. form.submit() sends no button, so the one pressed (`submitter`,
  // e.g. name=value value=up) travels in a hidden field of the same name instead.
  function submitPlainly(form, submitter) {
    if (submitter && submitter.name) {
      var field = form.querySelector("input[type=hidden][data-submitter]");
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.setAttribute("data-submitter", "");
        form.appendChild(field);
      }
      field.name = submitter.name;
      field.value = submitter.value;
    }
    form.submit();
  }

  // Post `body` to the form's action; `update(data)` runs on success. Meanwhile the form
  // says it is busy and ignores further presses, but its buttons are not disabled: a
  // disabled button drops keyboard focus to the page, and a screen reader user loses
  // their place. Without JSON back, the form is submitted the plain way, with the pressed
  // button (`submitter`, optional) still saying what was chosen.
  window.gongronPostInPlace = function (form, body, update, submitter) {
    if (form.getAttribute("aria-busy") === "true") return Promise.resolve();
    var buttons = form.querySelectorAll("button");
    var focused = form.contains(document.activeElement) ? document.activeElement : null;
    form.setAttribute("aria-busy", "true");
    buttons.forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
    return fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        var data = result.data;
        if (!data) { submitPlainly(form, submitter); return; }
        update(data, result.ok);
        say(form, result.ok ? data.message : data.error.message, result.ok);
      })
      .catch(function () { submitPlainly(form, submitter); })
      .then(function () {
        form.removeAttribute("aria-busy");
        buttons.forEach(function (b) { b.removeAttribute("aria-disabled"); });
        // Should an update have replaced or hidden the control, focus would be on the page:
        // bring it back to the control, or failing that to the form's first button.
        var lost = !document.activeElement || document.activeElement === document.body;
        if (lost && focused) {
          var target = document.contains(focused) ? focused : form.querySelector("button");
          if (target) target.focus();
        }
      });
  };
})();
