// Corrected transcripts: correct a turn's words in place (a new revision of the document;
// codings follow their words), and settle the review list with one click per coding.
"use strict";

(() => {
  const data = document.getElementById("qualcode-data");
  const documentName = data ? JSON.parse(data.textContent).document?.name : null;

  function correctTurn(turn) {
    if (turn.querySelector("textarea.correction")) return;
    const speech = turn.querySelector(".speech");
    const start = Number(turn.dataset.start);
    const end = Number(turn.dataset.end);
    const editor = document.createElement("form");
    editor.className = "stack correction-form";
    editor.dataset.control = "correction";
    const box = document.createElement("textarea");
    box.className = "correction";
    box.rows = 4;
    box.setAttribute("aria-label", "The turn's corrected words");
    box.value = speech.textContent;
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "primary";
    save.textContent = "Save correction";
    save.dataset.control = "save-correction";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Cancel";
    cancel.dataset.control = "cancel-correction";
    editor.append(box, save, cancel);
    speech.hidden = true;
    speech.after(editor);
    box.focus();
    cancel.addEventListener("click", () => {
      editor.remove();
      speech.hidden = false;
    });
    editor.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const said = await QC.api("POST", `/api/documents/${encodeURIComponent(documentName)}/correct`,
          { start, end, text: box.value });
        QC.toast(said.message);
        setTimeout(() => window.location.reload(), 600);
      } catch (error) {
        QC.toast(error.message, true);
      }
    });
  }

  async function settle(item, candidate) {
    try {
      if (candidate) {
        await QC.api("POST", `/api/review/${item.dataset.item}/place`, { candidate });
        QC.toast("Re-placed");
      } else {
        await QC.api("POST", `/api/review/${item.dataset.item}/drop`);
        QC.toast("Dropped (undo brings it back)");
      }
      item.remove();
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  document.addEventListener("click", (event) => {
    const corrector = event.target.closest("[data-correct]");
    if (corrector) {
      event.stopPropagation();
      correctTurn(corrector.closest("article.turn"));
      return;
    }
    const item = event.target.closest("li.review-item");
    const placer = event.target.closest("[data-place]");
    if (item && placer) settle(item, Number(placer.dataset.place));
    else if (item && event.target.closest("[data-drop]")) settle(item, 0);
  });

  // On the review page, keys settle the first coding of the list: 1-9 re-place it on that
  // candidate, d drops it.
  document.addEventListener("keydown", (event) => {
    const item = document.querySelector("li.review-item");
    if (!item || QC.typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const number = Number(event.key);
    if (number >= 1 && number <= item.querySelectorAll("[data-place]").length) {
      settle(item, number);
      event.preventDefault();
    } else if (event.key === "d") {
      settle(item, 0);
      event.preventDefault();
    }
  });
})();
