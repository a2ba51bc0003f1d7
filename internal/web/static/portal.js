// Progressive enhancement for the billing form: show only the state select
// (United States, Canada) or the free-text region, whichever applies to the
// chosen country. Without this script both are shown and the server picks.
(function () {
  "use strict";
  var country = document.getElementById("f-country");
  if (!country) { return; }
  var blocks = document.querySelectorAll("[data-state-mode]");
  function update() {
    var mode = (country.value === "US" || country.value === "CA") ? "us-ca" : "other";
    for (var i = 0; i < blocks.length; i++) {
      blocks[i].hidden = blocks[i].getAttribute("data-state-mode") !== mode;
    }
  }
  country.addEventListener("change", update);
  update();
})();
