// Reload the submission page once its check has finished.
(function () {
  const script = document.currentScript;
  const url = script && script.dataset.url;
  if (!url) return;
  let delay = 1000;
  async function poll() {
    try {
      const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (r.ok) {
        const data = await r.json();
        if (data.state === "checked" || data.state === "failed") { window.location.reload(); return; }
      }
    } catch (e) { /* try again */ }
    delay = Math.min(delay * 1.5, 10000);
    setTimeout(poll, delay);
  }
  setTimeout(poll, delay);
})();
