// A lead's pages follow the team live: on each notice from /api/events (server-sent
// events, sent within a second or two of any change), the page fetches itself and swaps
// in the fresh copy of each element marked data-live. No reload: scroll, filters and
// focus stay where they are.
(function () {
  "use strict";
  const live = () => document.querySelectorAll("[data-live][id]");
  if (!live().length || !window.EventSource) return;
  let busy = false;
  let again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const answer = await fetch(location.href, { credentials: "same-origin" });
      if (!answer.ok) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      for (const old of live()) {
        const replacement = fresh.getElementById(old.id);
        if (replacement) old.replaceWith(document.importNode(replacement, true));
      }
      document.body.dataset.liveUpdated = String(Date.now());
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }
  const root = document.querySelector('meta[name="qualcode-root"]')?.content || "";
  const source = new EventSource(root + "/api/events");
  source.addEventListener("change", refresh);
})();
