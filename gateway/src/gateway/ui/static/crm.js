// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Filters that are choices apply at once (the Apply button stays for keyboard users).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  // Destructive buttons ask first.
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.form.addEventListener("submit", function (event) {
      if (event.submitter === button && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });
  // A form that failed: move the keyboard focus to its problem summary so it is read out.
  var problem = document.querySelector(".problem[tabindex]");
  if (problem) { problem.focus(); }
  // A double click must not post twice.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      setTimeout(function () {
        if (event.defaultPrevented) { return; }
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
