// qualcode: what every page shares. The API helper sends the run's CSRF value, which the
// server checks on every write made with the cookie (see qualcode/web/security.py).
"use strict";

const QC = (() => {
  const csrf = document.querySelector('meta[name="qualcode-csrf"]')?.content || "";
  // The path a reverse proxy serves the app under (`serve --root-path`): before every call.
  const root = document.querySelector('meta[name="qualcode-root"]')?.content || "";
  let toastTimer = null;

  async function api(method, path, body) {
    const options = {
      method,
      credentials: "same-origin",
      headers: { "X-Qualcode-CSRF": csrf, Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(root + path, options);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail : response.statusText;
      throw new Error(detail);
    }
    return data;
  }

  function toast(message, isError = false) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.classList.toggle("error", isError);
    box.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => box.classList.remove("show"), isError ? 6000 : 2500);
  }

  function toggleHelp(show) {
    const help = document.getElementById("help");
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", (event) => {
    if (typing(event.target)) return;
    if (event.key === "?") {
      toggleHelp();
      event.preventDefault();
    } else if (event.key === "Escape") {
      toggleHelp(false);
    }
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-help]")) toggleHelp();
    else if (event.target.id === "help") toggleHelp(false);
  });
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.addEventListener("change", () => form.requestSubmit());
  }
  // Filters left at "any" stay out of the address.
  for (const form of document.querySelectorAll("form.filters")) {
    form.addEventListener("formdata", (event) => {
      const kept = [...event.formData].filter(([, value]) => value !== "");
      for (const key of new Set([...event.formData.keys()])) event.formData.delete(key);
      for (const [key, value] of kept) event.formData.append(key, value);
    });
  }
  return { api, toast, toggleHelp, typing };
})();
