// Exchange pages: upload progress for IATI files, and polling of a running import until it is done.
(function () {
  "use strict";

  // A running import: poll its status and move the progress bar; reload to show the report once finished.
  var box = document.querySelector(".job-progress[data-status-url]");
  if (box) {
    var bar = box.querySelector("progress");
    var percent = box.querySelector(".job-percent");
    var activities = box.querySelector(".job-activities");
    var status = box.querySelector(".job-status");
    var poll = function () {
      fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          bar.value = job.percent;
          percent.textContent = job.percent;
          activities.textContent = job.activities;
          status.textContent = job.status_label || job.status;
          if (job.status !== "queued" && job.status !== "running") {  // done, failed or interrupted
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 500);
  }

  // The upload itself: send the form with XMLHttpRequest to show how much of a large file has been sent.
  var form = document.querySelector("form.iati-upload");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files.length) { return; }
      event.preventDefault();
      var shown = form.querySelector(".upload-progress");
      var upload = shown.querySelector("progress");
      var label = shown.querySelector("span");
      shown.hidden = false;
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action") || window.location.href);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          upload.value = Math.round(100 * e.loaded / e.total);
          label.textContent = (shown.dataset.textUploading || "Uploading…") + " " + upload.value + "%";
        }
      });
      request.addEventListener("load", function () {
        if (request.responseURL && request.responseURL !== window.location.href) {
          window.location.href = request.responseURL;  // the job page
        } else {
          document.open(); document.write(request.responseText); document.close();  // the form with its errors
        }
      });
      request.addEventListener("error", function () {
        label.textContent = shown.dataset.textFailed || "The upload failed; try again.";
      });
      request.send(new FormData(form));
    });
  }
})();
