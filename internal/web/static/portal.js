// Progressive enhancement. Without this script every page works the same,
// only less conveniently.
(function () {
  "use strict";
  // After a failed submit, put the keyboard on the first field in error.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }

  // Billing form: show only the state select (United States, Canada) or the
  // free-text region, whichever applies to the chosen country. Without the
  // script both are shown and the server uses the one for the country.
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
