// Match run page: when a result arrives by htmx (run, lock, reject, undo, swap),
// the button that was pressed is gone, so keyboard and screen-reader users are
// taken to the result's heading, and the new result is read from there.
document.body.addEventListener("htmx:afterSettle", function (event) {
  var results = document.getElementById("results");
  if (results && results.contains(event.target)) {
    var heading = document.getElementById("results-heading");
    if (heading) {
      heading.focus();
    }
  }
});

// While the engine runs, "Finding the best pairs…" shows beside the button; a
// screen reader hears it from the status region, which is emptied when the
// answer (or an error) comes back.
function solvingStatus(event, text) {
  var form = document.getElementById("run-form");
  var status = document.getElementById("solving-status");
  if (form && status && form.contains(event.detail.elt)) {
    status.textContent = text;
  }
}

document.body.addEventListener("htmx:beforeRequest", function (event) {
  solvingStatus(event, "Finding the best pairs…");
});

document.body.addEventListener("htmx:afterRequest", function (event) {
  solvingStatus(event, "");
});
