// Chunked, resumable upload of large evidence files (issue 6 item 1). Small files go through the
// plain form; files above CHUNKED_FROM go through /api/v1/records/uploads in 4 MB pieces. After an
// interruption (network loss, page reload) the upload resumes from the offset the server reports.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var CHUNK = 4 * 1024 * 1024, CHUNKED_FROM = 8 * 1024 * 1024;
  var api = form.dataset.api, caseId = parseInt(form.dataset.case, 10);
  var bar = document.querySelector("#upload-progress .progress-bar");
  var errorBox = document.getElementById("upload-error");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function pickFile() {
    var a = document.getElementById("camera").files[0], b = document.getElementById("file").files[0];
    return a || b;
  }
  function showError(msg) { errorBox.textContent = msg; errorBox.classList.remove("d-none"); }
  function progress(done, total) {
    bar.parentNode.classList.remove("d-none");
    bar.style.width = Math.floor(100 * done / total) + "%";
    bar.textContent = Math.floor(100 * done / total) + "%";
  }
  function call(method, url, body, type) {
    var headers = {"X-CSRFToken": csrf};
    if (type) headers["Content-Type"] = type;
    return fetch(url, {method: method, headers: headers, body: body, credentials: "same-origin"}).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) { var e = new Error(j.message || r.statusText); e.fatal = r.status < 500 && r.status !== 409; throw e; } return j; });
    });
  }
  function metadata() {
    var out = {}, names = ["act", "kind", "evidence_type", "title", "recorder", "device", "started_at", "ended_at",
                           "place", "confidentiality", "annotation", "monitoring_device"];
    names.forEach(function (n) { var el = form.elements[n]; if (el && el.value) out[n] = el.value; });
    out.lawful_acquisition = form.elements.lawful_acquisition.checked;
    return out;
  }
  function key(file) { return "zhifa-upload:" + caseId + ":" + file.name + ":" + file.size + ":" + file.lastModified; }

  function send(file, token, offset, retries) {
    progress(offset, file.size);
    if (offset >= file.size) return call("POST", api + "uploads/" + token + "/complete");
    var piece = file.slice(offset, Math.min(offset + CHUNK, file.size));
    return call("PUT", api + "uploads/" + token + "?offset=" + offset, piece, "application/octet-stream")
      .then(function (j) { return send(file, token, j.offset, 0); })
      .catch(function (err) {
        if (err.fatal || retries >= 8) throw err;
        // Ask the server how much it holds, then go on from there.
        return new Promise(function (ok) { setTimeout(ok, 1000 * Math.pow(2, Math.min(retries, 5))); })
          .then(function () { return call("GET", api + "uploads/" + token); })
          .then(function (s) { return send(file, token, s.offset, retries + 1); },
                function () { return send(file, token, offset, retries + 1); });
      });
  }

  form.addEventListener("submit", function (ev) {
    var file = pickFile();
    if (!file || file.size < CHUNKED_FROM) return;  // the plain form
    ev.preventDefault();
    errorBox.classList.add("d-none");
    var saved = localStorage.getItem(key(file));
    var start = saved
      ? call("GET", api + "uploads/" + saved).then(function (s) { return {token: saved, offset: s.offset}; })
      : Promise.reject(null);
    start.catch(function () {
      var body = JSON.stringify({"case": caseId, "file_name": file.name, "declared_type": file.type || "",
                                 "total_size": file.size, "metadata": metadata()});
      return call("POST", api + "uploads", body, "application/json").then(function (s) {
        localStorage.setItem(key(file), s.token);
        return s;
      });
    }).then(function (s) { return send(file, s.token, s.offset, 0); })
      .then(function (e) { localStorage.removeItem(key(file)); window.location.reload(); })
      .catch(function (err) { localStorage.removeItem(key(file)); showError(err.message || "上传失败"); });
  });
})();
