// The header menu is a <details>: it opens and closes without this file. This adds what a
// script can: Escape (or a click elsewhere) closes it and Escape gives focus back to its
// button; on a wide screen, where the links sit inline, it is kept open (for browsers whose
// CSS cannot show a closed <details>); aria-expanded on the button follows the state.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 60rem)");

  function setUp(menu) {
    var button = menu.querySelector("summary");
    if (!button) return;
    function sync() { button.setAttribute("aria-expanded", menu.open ? "true" : "false"); }
    function fit() { menu.open = wide.matches; sync(); }

    menu.addEventListener("toggle", sync);
    wide.addEventListener("change", fit);
    // At start only open it on a wide screen: on a narrow one, a menu the person opened before
    // this script ran (a slow phone) stays open.
    if (wide.matches) menu.open = true;
    sync();

    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !menu.open || wide.matches) return;
      var focusWasInMenu = menu.contains(document.activeElement) || document.activeElement === document.body;
      menu.open = false;
      sync();
      if (focusWasInMenu) button.focus();
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !wide.matches && !menu.contains(event.target)) {
        menu.open = false;
        sync();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-site-menu]").forEach(setUp);
  });
})();
