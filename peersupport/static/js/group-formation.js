// Forming groups: the engine can take several seconds, so while it works the
// button is disabled (hx-disabled-elt) and a status message, read out by screen
// readers, says what is happening. When the groups are formed the server sends
// the browser to the proposal; when they cannot be, the form comes back with its
// errors and focus moves to the first of them. Without JavaScript the form posts
// as usual.
(function () {
  var status = document.getElementById("forming-status");
  var bar = document.getElementById("forming-bar");
  if (!status) return;

  function fromTheForm(event) {
    return event.target && event.target.id === "formation-form";
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (!fromTheForm(event)) return;
    status.textContent = status.dataset.forming;
    if (bar) bar.hidden = false;
  });

  function done() {
    status.textContent = "";
    if (bar) bar.hidden = true;
  }

  // The answer replaces the form, so this is the last event that reaches the page
  // from the form itself. (On its way to the proposal, htmx swaps nothing and the
  // message stays until the page changes.)
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (fromTheForm(event)) done();
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (fromTheForm(event)) done();
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var form = document.getElementById("formation-form");
    if (!form || !(event.target === form || form.contains(event.target))) return;
    var error = form.querySelector(".alert-error, .field-error");
    if (!error) return;
    error.setAttribute("tabindex", "-1");
    error.focus();
  });
})();
