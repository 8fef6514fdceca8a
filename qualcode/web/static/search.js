// qualcode: the Find page. "Code them all" codes every hit of the search shown (the
// same words and filters) with the chosen code, as one change that one undo takes back.
"use strict";

(() => {
  const form = document.getElementById("code-hits");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const asked = new URLSearchParams(window.location.search);
    const keep = (key) => asked.getAll(key).filter((value) => value.trim());
    try {
      const done = await QC.api("POST", "/api/search/code", {
        q: asked.get("q") || "",
        code: form.code.value,
        where: keep("where"),
        filter_code: keep("code"),
        coder: keep("coder"),
      });
      const name = form.code.selectedOptions[0].textContent.replace(/^[·\s]+/, "");
      QC.toast(`${done.coded} new coding${done.coded === 1 ? "" : "s"} of ${name}`);
      form.dataset.coded = String(done.coded);
    } catch (error) {
      QC.toast(error.message, true);
    }
  });
})();
