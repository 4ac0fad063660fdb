// Keyboard marking for the register: on a student's row, P, L, R or A marks them
// (present, late, absent with a reason, absent) and selects the next row, so a
// whole register is one key per student.
(function () {
  var table = document.getElementById("register");
  if (!table) return;
  var keys = { p: "present", l: "late", r: "absent_reason", a: "absent" };
  table.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var mark = keys[event.key.toLowerCase()];
    var row = event.target.closest("tr.register-row");
    if (!mark || !row) return;
    event.preventDefault();
    var button = row.querySelector('button[data-mark="' + mark + '"]');
    var next = row.nextElementSibling;
    var nextId = next ? next.id : null;
    button.click();
    if (nextId) {
      var target = document.getElementById(nextId);
      if (target) target.focus();
    }
  });
  // After htmx swaps a row in, keep focus where the user expects it.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var row = event.detail.target;
    if (row && row.classList && row.classList.contains("register-row") && document.activeElement === document.body) {
      row.focus();
    }
  });
})();
