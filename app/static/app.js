// The app's only script: filter selects submit their form on change (the pages work without it).
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.body.setAttribute("data-ready", "1");
})();
