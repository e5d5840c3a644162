// Upload with drag-and-drop and a progress bar; without JavaScript the plain form still works.
(function () {
  const form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const input = form.querySelector('input[type="file"]');
  const zone = document.getElementById("dropzone");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const maxBytes = Number(form.dataset.maxBytes || 0);

  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (e) => {
    e.preventDefault(); zone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, (e) => {
    e.preventDefault(); zone.classList.remove("dragging");
  }));
  zone.addEventListener("drop", (e) => {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      status.textContent = e.dataTransfer.files[0].name;
    }
  });

  form.addEventListener("submit", (e) => {
    const file = input.files && input.files[0];
    if (!file) return; // let the server explain
    e.preventDefault();
    if (maxBytes && file.size > maxBytes) { status.textContent = form.dataset.tooLarge; return; }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) { bar.hidden = false; bar.value = Math.round((100 * ev.loaded) / ev.total); }
    });
    xhr.addEventListener("load", () => {
      if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
      // Show the server's page with its messages beside the field.
      document.open(); document.write(xhr.responseText); document.close();
    });
    xhr.addEventListener("error", () => { status.textContent = form.dataset.failed; bar.hidden = true; });
    form.querySelector('button[type="submit"]').disabled = true;
    xhr.send(new FormData(form));
  });
})();
