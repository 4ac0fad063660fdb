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
