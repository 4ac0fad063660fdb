// Shows the upload of an MIS export as a progress bar, then an indeterminate bar
// while the server checks the file.
(function () {
  var form = document.getElementById("import-form");
  if (!form) return;
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  form.addEventListener("htmx:beforeRequest", function () {
    box.hidden = false;
    bar.value = 0;
  });
  form.addEventListener("htmx:xhr:progress", function (event) {
    if (event.detail.lengthComputable && event.detail.total > 0) {
      var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
      if (percent >= 100) {
        bar.removeAttribute("value");
      } else {
        bar.value = percent;
      }
    }
  });
  form.addEventListener("htmx:afterRequest", function () {
    box.hidden = true;
  });
})();
