// qualcode: coding a transcript. Select text (or click a sentence), then press a number,
// press Enter or click a code. Offsets sent to the server are Python str offsets (code
// points) into the document's text: each piece of text on the page carries data-start,
// and JS strings count UTF-16 units, so emoji and other astral characters are counted once.
"use strict";

(() => {
  const data = JSON.parse(document.getElementById("qualcode-data").textContent);
  const docId = data.document.id;
  const codes = data.codes;
  const root = document.getElementById("transcript");
  const state = { sel: null, chosen: null, active: null, lastSeg: -1, fetched: Date.now(), openHints: new Set(), note: null };
  let codings = new Map(unpack(data.codings).map((c) => [c.id, c]));
  let suggestions = data.suggestions.filter((s) => s.status === "pending");
  let notes = data.notes;  // memos on this document's segments that this coder may see

  // The page's codings come in columns (see records.page_codings): ids as stored (32 hex
  // digits in SQLite, dashed here as the API writes them), the code and coder as places
  // in lists, memos and origins other than manual by row.
  function unpack(packed) {
    const dashed = (id) => (id.length === 32
      ? `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}` : id);
    return packed.id.map((id, n) => ({
      id: dashed(id), start: packed.start[n], end: packed.end[n], code_id: packed.codes[packed.code[n]],
      coder: packed.coders[packed.coder[n]], memo: packed.memos[n] ?? null, origin: packed.origins[n] ?? "manual",
    }));
  }

  // --- pieces of text and offsets ---------------------------------------------------

  function makePiece(el, index) {
    const text = el.textContent;
    const start = Number(el.dataset.start);
    let toU16 = null;
    if (/[\uD800-\uDFFF]/.test(text)) {
      toU16 = [0];
      let units = 0;
      for (const ch of text) {
        units += ch.length;
        toU16.push(units);
      }
    }
    const length = toU16 ? toU16.length - 1 : text.length;
    const seg = el.dataset.seg ? Number(el.dataset.seg) : null;
    return { el, index, text, start, end: start + length, toU16, seg, sig: "" };
  }

  const pieces = [...root.querySelectorAll(".p[data-start]")].map(makePiece);
  const pieceOf = new Map(pieces.map((p) => [p.el, p]));
  const turns = [...root.querySelectorAll(".turn")].map((el) => ({
    el,
    start: Number(el.dataset.start),
    end: Number(el.dataset.end),
    stripes: null,  // its margin's parts, made when it is first drawn (equip)
    hints: null,
    notes: null,
    pieces: [],
    drawn: false,  // its highlights and margin show the present codings
    sig: "",  // what its margin was drawn from
  }));
  const segments = pieces.filter((p) => p.seg !== null);
  const turnOf = new Map(turns.map((t, i) => [t.el, i]));
  for (const piece of pieces) {
    const at = turnOf.get(piece.el.closest(".turn"));
    if (at !== undefined) turns[at].pieces.push(piece);
  }

  function unitsToPoints(piece, units, roundUp) {
    if (!piece.toU16) return Math.min(units, piece.text.length);
    let lo = 0;
    let hi = piece.toU16.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (piece.toU16[mid] <= units) lo = mid;
      else hi = mid - 1;
    }
    return roundUp && piece.toU16[lo] < units ? lo + 1 : lo;
  }

  function pointsToUnits(piece, points) {
    return piece.toU16 ? piece.toU16[points] : points;
  }

  function slice(piece, from, to) {
    const a = pointsToUnits(piece, Math.max(0, from - piece.start));
    const b = pointsToUnits(piece, Math.min(piece.end, to) - piece.start);
    return piece.text.slice(a, b);
  }

  // The document offset of a DOM boundary point; outside the text, the nearest piece's
  // edge in the direction of the selection.
  function offsetAt(node, offset, isEnd) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const pieceEl = el && el.closest ? el.closest(".p[data-start]") : null;
    if (pieceEl && pieceOf.has(pieceEl)) {
      const piece = pieceOf.get(pieceEl);
      const range = document.createRange();
      range.setStart(pieceEl, 0);
      range.setEnd(node, offset);
      return piece.start + unitsToPoints(piece, range.toString().length, isEnd);
    }
    const point = document.createRange();
    point.setStart(node, offset);
    let lo = 0;
    let hi = pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (point.comparePoint(pieces[mid].el, 0) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (isEnd) return lo > 0 ? pieces[lo - 1].end : 0;
    return lo < pieces.length ? pieces[lo].start : data.document.length;
  }

  function firstPieceEndingAfter(offset) {
    let lo = 0;
    let hi = pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pieces[mid].end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Whole words, by the rule of qualcode/words.py: a word is a run of letters, digits and
  // marks, with an apostrophe or hyphen between two of them; a selection never cuts one.
  const LETTER = /[\p{L}\p{N}\p{M}]/u;
  const JOINERS = "'\u2019-\u2010";

  function charAt(offset) {
    const piece = pieces[firstPieceEndingAfter(offset)];
    return piece && piece.start <= offset ? slice(piece, offset, offset + 1) : "";
  }

  function inWord(offset) {
    const ch = charAt(offset);
    if (ch === "") return false;
    if (LETTER.test(ch)) return true;
    return JOINERS.includes(ch) && LETTER.test(charAt(offset - 1)) && LETTER.test(charAt(offset + 1));
  }

  function wholeWords(start, end) {
    while (start > 0 && inWord(start - 1) && inWord(start)) start -= 1;
    while (end < data.document.length && inWord(end - 1) && inWord(end)) end += 1;
    return [start, end];
  }

  function textOf(start, end) {
    const parts = [];
    for (let i = firstPieceEndingAfter(start); i < pieces.length && pieces[i].start < end; i++) {
      parts.push(slice(pieces[i], start, end));
    }
    return parts.join("").replace(/\s+/g, " ").trim();
  }

  // --- drawing highlights, labels and suggestions -------------------------------------

  function colour(codeId) {
    return (codes[codeId] && codes[codeId].colour) || "#888888";
  }

  // Each piece's codings, worked out again only after the codings change (stale()).
  function byPiece() {
    if (state.own) return state.own;
    const found = pieces.map(() => []);
    const sorted = [...codings.values()].sort((a, b) => a.start - b.start || b.end - a.end);
    for (const coding of sorted) {
      for (let i = firstPieceEndingAfter(coding.start); i < pieces.length; i++) {
        if (pieces[i].start >= coding.end) break;
        found[i].push(coding);
      }
    }
    state.own = found;
    return found;
  }

  function stale() {
    state.own = null;
  }

  function drawPiece(piece, own) {
    const sel = state.sel && state.sel.start < piece.end && state.sel.end > piece.start;
    const sig = own.map((c) => c.id + c.code_id).join() + (sel ? `|${state.sel.start}-${state.sel.end}` : "")
      + (own.some((c) => c.id === state.chosen) ? `|${state.chosen}` : "");
    if (sig === piece.sig) return;
    piece.sig = sig;
    if (!own.length && !sel) {
      piece.el.textContent = piece.text;
      return;
    }
    const spans = own.map((c) => ({ start: c.start, end: c.end, coding: c }));
    if (sel) spans.push({ start: state.sel.start, end: state.sel.end, coding: null });
    const edges = new Set([piece.start, piece.end]);
    for (const span of spans) {
      if (span.start > piece.start && span.start < piece.end) edges.add(span.start);
      if (span.end > piece.start && span.end < piece.end) edges.add(span.end);
    }
    const cuts = [...edges].sort((a, b) => a - b);
    const fragment = document.createDocumentFragment();
    for (let k = 0; k + 1 < cuts.length; k++) {
      const [a, b] = [cuts[k], cuts[k + 1]];
      const active = spans.filter((s) => s.start <= a && s.end >= b);
      const text = slice(piece, a, b);
      if (!active.length) {
        fragment.append(text);
        continue;
      }
      const run = document.createElement("span");
      run.textContent = text;
      const marks = active.filter((s) => s.coding).map((s) => s.coding);
      if (marks.length) {
        run.className = `hl n${Math.min(marks.length, 3)}`;
        run.dataset.ids = marks.map((c) => c.id).join(" ");
        run.style.setProperty("--tint", `color-mix(in srgb, ${colour(marks[0].code_id)} 24%, transparent)`);
        marks.slice(0, 3).forEach((c, n) => run.style.setProperty(`--c${n + 1}`, c.coder === data.coder ? colour(c.code_id) : colourOfCoder(c.coder)));
        run.title = marks.map((c) => `${codes[c.code_id]?.name} (${c.coder})`).join("\n");
        if (marks.some((c) => c.id === state.chosen)) run.classList.add("chosen");
      }
      if (active.some((s) => !s.coding)) run.classList.add("sel");
      fragment.append(run);
    }
    piece.el.replaceChildren(fragment);
  }

  function turnIndex(offset) {
    let lo = 0;
    let hi = turns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (turns[mid].start <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  // Coders in their own colours (the lead sees everyone's work side by side).
  const CODER_COLOURS = ["#2f6fdf", "#d1495b", "#2a9d8f", "#8e5dc8", "#e07a1f", "#5c7c2a"];
  const coderColour = new Map();

  function colourOfCoder(name) {
    if (!coderColour.has(name)) coderColour.set(name, CODER_COLOURS[coderColour.size % CODER_COLOURS.length]);
    return coderColour.get(name);
  }

  function drawLegend() {
    const names = [...new Set([...codings.values()].map((c) => c.coder))].sort((a, b) => (a === data.coder ? -1 : b === data.coder ? 1 : a.localeCompare(b)));
    const legend = document.getElementById("coders");
    if (!legend) return;
    legend.hidden = names.length < 2;
    legend.replaceChildren(...names.map((name) => {
      const item = document.createElement("span");
      item.className = "coder-key";
      item.style.setProperty("--k", colourOfCoder(name));
      item.textContent = name === data.coder ? `${name} (you)` : name;
      return item;
    }));
  }

  // Coding stripes: one per coding, beside exactly the lines it covers, in lanes so that
  // overlapping codings stand side by side; each coder's stripes keep to their own lanes.
  // A long transcript is drawn turn by turn, as each comes near the screen (an
  // IntersectionObserver says when), and a turn whose codings, suggestions and memos
  // are as they were keeps its stripes.
  function extents(turn) {
    const found = new Map();  // coding id -> [top, bottom]
    for (const run of turn.el.querySelectorAll(".hl[data-ids]")) {
      const rects = run.getClientRects();
      if (!rects.length) continue;
      const top = rects[0].top;
      const bottom = rects[rects.length - 1].bottom;
      for (const id of run.dataset.ids.split(" ")) {
        const was = found.get(id);
        found.set(id, was ? [Math.min(was[0], top), Math.max(was[1], bottom)] : [top, bottom]);
      }
    }
    return found;
  }

  function marginOf(turn, own, cards, notesOf) {
    const ids = new Set();
    for (const piece of turn.pieces) for (const c of own[piece.index]) ids.add(c.id);
    const list = [...ids].map((id) => codings.get(id));
    const sig = [
      list.map((c) => `${c.id}${c.code_id}${c.memo ? "m" : ""}`).sort().join(),
      cards.map((c) => `${c.id}${state.openHints.has(c.id) ? "o" : ""}`).join(), hintView.value,
      notesOf.map((n) => `${n.id}:${n.coder}:${n.text}`).join("\n"),
    ].join("|");
    return { list, sig };
  }

  // A turn's tools and margin, from the page's #turn-parts (not sent with every turn):
  // every turn's correct button at once, its margin when it is first drawn.
  const parts = document.getElementById("turn-parts").content;
  for (const turn of turns) turn.el.querySelector(".who").append(parts.querySelector(".correct").cloneNode(true));

  function equip(turn) {
    if (turn.stripes) return;
    const margin = parts.querySelector(".margin").cloneNode(true);
    turn.el.append(margin);
    [turn.stripes, turn.hints, turn.notes] = margin.children;
  }

  // Reads first (every run's and turn's place, one layout), then writes: a read after
  // each turn's write would lay the page out again for every turn.
  function drawTurns(wanted) {
    const todo = wanted.filter((i) => !turns[i].drawn);
    if (!todo.length) return;
    const own = byPiece();
    const shown = hintsHidden() ? [] : visibleSuggestions();
    const cards = new Map();
    for (const s of shown) {
      const at = turnIndex(s.start);
      if (!cards.has(at)) cards.set(at, []);
      cards.get(at).push(s);
    }
    const notesOf = new Map();
    for (const n of notes) {
      const at = turnIndex(n.start);
      if (!notesOf.has(at)) notesOf.set(at, []);
      notesOf.get(at).push(n);
    }
    const bySeg = new Map(shown.map((s) => [s.segment, s]));
    const plans = [];
    for (const i of todo) {
      const turn = turns[i];
      equip(turn);
      for (const piece of turn.pieces) {
        drawPiece(piece, own[piece.index]);
        const hint = piece.seg !== null && bySeg.get(piece.seg);
        piece.el.classList.toggle("suggested", Boolean(hint));
        if (hint) piece.el.style.setProperty("--sc", colour(hint.code_id));
      }
      turn.drawn = true;
      const margin = marginOf(turn, own, cards.get(i) || [], notesOf.get(i) || []);
      if (margin.sig === turn.sig) continue;
      turn.sig = margin.sig;
      plans.push({ turn, list: margin.list, cards: cards.get(i) || [], notes: notesOf.get(i) || [] });
    }
    for (const plan of plans) {  // every read, then every write
      plan.origin = plan.turn.stripes.getBoundingClientRect().top;
      plan.places = extents(plan.turn);
    }
    const lane = 22;
    for (const { turn, list, cards: hints, notes: memos, origin, places } of plans) {
      const items = list.filter((c) => places.has(c.id)).map((coding) => {
        const [top, bottom] = places.get(coding.id);
        return { coding, top, bottom };
      }).sort((a, b) => (a.coding.coder === data.coder ? 0 : 1) - (b.coding.coder === data.coder ? 0 : 1)
        || a.coding.coder.localeCompare(b.coding.coder) || a.top - b.top || b.bottom - a.bottom);
      const lanes = [];  // per lane: [coder, bottom of its last stripe]
      const made = items.map((item) => {
        let at = lanes.findIndex(([who, bottom]) => who === item.coding.coder && bottom <= item.top + 1);
        if (at < 0) {
          at = lanes.length;
          lanes.push([item.coding.coder, 0]);
        }
        lanes[at][1] = item.bottom;
        return stripe(item.coding, at * lane, item.top - origin, item.bottom - item.top);
      });
      turn.stripes.style.width = `${Math.max(lanes.length, 1) * lane}px`;
      turn.stripes.replaceChildren(...made);
      turn.hints.replaceChildren(...(hints.length ? [marker(hints)] : []));
      turn.notes.replaceChildren(...memos.map(noteButton));
    }
  }

  const near = new Set();  // turns on or near the screen
  const SMALL = 150;  // a transcript of this many turns or fewer is drawn whole at once

  // Something every turn may show changed: the turns near the screen (and ``also``) are
  // drawn at once, each other one when it comes near.
  function drawMargins(also = []) {
    for (const turn of turns) turn.drawn = false;
    drawTurns(turns.length <= SMALL ? turns.map((_, i) => i) : [...near, ...also]);
  }

  function ready() {
    performance.mark("qualcode-ready");  // bench/web_browser.py: interactive from here
    root.dataset.ready = "true";
  }

  // Not while the mouse is down: drawing a turn's highlights would take the text nodes
  // a selection being dragged holds (the mouseup draws them).
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) near[entry.isIntersecting ? "add" : "delete"](turnOf.get(entry.target));
    if (!state.dragging) drawTurns([...near]);
    if (!root.dataset.ready) ready();
  }, { rootMargin: "800px 0px" });
  document.addEventListener("mousedown", (event) => { state.dragging = event.button === 0; });

  function stripe(coding, left, top, height) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "label stripe" + (coding.id === state.chosen ? " chosen" : "") + (coding.memo ? " memo" : "");
    button.dataset.coding = coding.id;
    button.dataset.control = "coding-label";
    button.style.setProperty("--c", colour(coding.code_id));
    button.style.setProperty("--k", colourOfCoder(coding.coder));
    button.style.left = `${left}px`;
    button.style.top = `${top}px`;
    button.style.height = `${Math.max(height, 16)}px`;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = codes[coding.code_id]?.name || "(unknown code)";
    const by = document.createElement("span");
    by.className = "by";
    by.textContent = coding.coder === data.coder ? "" : coding.coder;
    button.append(name, by);
    const others = coding.coder === data.coder ? "" : ` (${coding.coder})`;
    button.title = `${name.textContent}${others}: ${textOf(coding.start, coding.end)}${coding.memo ? `\nMemo: ${coding.memo}` : ""}`;
    button.setAttribute("aria-label", `${name.textContent}${others}`);
    return button;
  }

  function noteButton(note) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "note";
    button.dataset.control = "segment-note";
    button.dataset.memo = note.id;
    button.dataset.seg = note.segment;
    button.textContent = `✎ ${note.coder === data.coder ? "" : `${note.coder}: `}${note.text}`;
    button.title = `Memo by ${note.coder} on sentence ${note.segment}: ${note.text}`;
    button.setAttribute("aria-label", `Memo by ${note.coder} on sentence ${note.segment}`);
    return button;
  }

  function lightUp(id, on) {
    for (const run of root.querySelectorAll(`.hl[data-ids~="${id}"]`)) run.classList.toggle("lit", on);
  }

  // Suggestions stay compact: a marker per turn that opens its cards on demand; the
  // panel's switch shows them all open, or hides them; filters by code and score.
  const hintView = document.getElementById("hint-view");
  const hintCode = document.getElementById("hint-code");
  const hintScore = document.getElementById("hint-score");

  function hintsHidden() {
    return hintView.value === "hidden";
  }

  function visibleSuggestions() {
    const least = Number(hintScore.value) / 100;
    return suggestions.filter((s) => (!hintCode.value || s.code_id === hintCode.value) && s.score >= least);
  }

  function marker(list) {
    const box = document.createElement("div");
    box.className = "hint";
    const open = hintView.value === "open" || list.some((s) => state.openHints.has(s.id));
    const button = document.createElement("button");
    button.type = "button";
    button.className = "marker";
    button.dataset.control = "suggestion-marker";
    button.dataset.ids = list.map((s) => s.id).join(" ");
    button.setAttribute("aria-expanded", String(open));
    button.title = list.map((s) => `${s.code} (${Math.round(s.score * 100)}%)`).join("\n");
    button.style.setProperty("--c", colour(list[0].code_id));
    button.textContent = `◆ ${list.length}`;
    button.setAttribute("aria-label", `${list.length} suggestion${list.length > 1 ? "s" : ""}`);
    const cards = document.createElement("div");
    cards.className = "cards";
    cards.hidden = !open;
    cards.append(...list.map(card));
    box.append(button, cards);
    return box;
  }

  function card(s) {
    const box = document.createElement("div");
    box.className = "suggestion";
    box.tabIndex = 0;
    box.dataset.suggestion = s.id;
    box.style.setProperty("--c", colour(s.code_id));
    const what = document.createElement("span");
    what.className = "what";
    what.textContent = `Suggested: ${s.code} (${Math.round(s.score * 100)}%)`;
    const why = document.createElement("span");
    why.className = "why";
    why.textContent = s.why.join("; ") || s.method;
    const actions = document.createElement("div");
    actions.className = "do";
    actions.innerHTML = '<button type="button" data-accept data-control="accept-suggestion">Accept <kbd>a</kbd></button>' +
      '<button type="button" data-reject data-control="reject-suggestion">Reject <kbd>r</kbd></button>';
    box.append(what, why, actions);
    return box;
  }

  // A new selection or chosen coding changes no stripe's place: only the text is drawn
  // again (and the chosen stripe marked), not the thousands of stripes.
  function draw(margins = true) {
    const own = byPiece();
    if (margins) {
      drawMargins();
      drawLegend();
    } else {
      for (const turn of turns) if (turn.drawn) for (const piece of turn.pieces) drawPiece(piece, own[piece.index]);
      for (const el of root.querySelectorAll(".stripe")) el.classList.toggle("chosen", el.dataset.coding === state.chosen);
    }
    const mine = own.map((list) => list.some((c) => c.coder === data.coder));
    const done = segments.filter((p) => mine[p.index]).length;
    document.getElementById("progress").textContent = `${done} of ${segments.length} segments coded`;
    const held = data.held_back
      ? ` ${data.held_back} more held back by the precision cut-off (qualcode suggest --precision sets it).` : "";
    document.getElementById("suggestion-count").textContent = (suggestions.length
      ? `${suggestions.length} pending in this document: press s to go to the next.`
      : "None pending here.") + held;
    return own;
  }

  // --- selection and chosen coding ------------------------------------------------------

  function select(start, end) {
    state.sel = start < end ? { start, end } : null;
    const box = document.getElementById("selection");
    box.hidden = !state.sel;
    if (state.sel) document.getElementById("selection-text").textContent = perTurn(start, end).map(([a, b]) => textOf(a, b)).join(" … ");
    state.current?.el.classList.remove("current");
    rankSelection();
    const hit = pieces[firstPieceEndingAfter(start)];
    state.current = state.sel && hit && hit.seg !== null && hit.start === start && hit.end === end ? hit : null;
    state.current?.el.classList.add("current");
    draw(false);
  }

  // Codes for the selection, best first, from the coder's own model (their own codings
  // alone while the round is blind): asked for once the selection has settled.
  const ranking = { asked: 0, timer: null };
  const rankedBox = document.getElementById("ranked");
  const rankedList = document.getElementById("ranked-list");
  const rankedNote = document.getElementById("ranked-note");

  function rankSelection() {
    clearTimeout(ranking.timer);
    const asked = ++ranking.asked;
    if (!state.sel) {
      rankedBox.hidden = true;
      return;
    }
    const { start, end } = state.sel;
    ranking.timer = setTimeout(async () => {
      rankedBox.hidden = false;
      rankedNote.textContent = "(ranking…)";
      try {
        const rows = await QC.api("GET", `/api/documents/${docId}/rank?start=${start}&end=${end}&limit=5`);
        if (asked !== ranking.asked) return;
        const scored = rows.filter((row) => row.method);
        rankedList.replaceChildren(...scored.map(rankedItem));
        rankedNote.textContent = scored.length ? "" : "(nothing to rank by yet: no pattern matched, and no codings to learn from)";
      } catch (error) {
        if (asked === ranking.asked) rankedNote.textContent = `(${error.message})`;
      }
    }, 250);
  }

  function rankedItem(row) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "ranked-code";
    button.dataset.control = "ranked-code";
    button.dataset.code = row.code_id;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.setProperty("--c", colour(row.code_id));
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = `${Math.round(row.score * 100)}%`;
    button.append(swatch, row.code, " ", score);
    const why = [
      ...row.matches.map((m) => `matched “${m.text}”`),
      ...(row.words.length ? [`model: ${row.words.slice(0, 4).map(([w, v]) => `${w} ${v >= 0 ? "+" : ""}${v.toFixed(2)}`).join(", ")}`] : []),
    ];
    button.title = `${row.code}: ${Math.round(row.score * 100)}% (${row.method})${why.length ? `\n${why.join("; ")}` : ""}`;
    item.append(button);
    return item;
  }

  rankedList.addEventListener("click", (event) => {
    const button = event.target.closest("[data-code]");
    if (button) apply(button.dataset.code);
  });

  function choose(id) {
    state.chosen = codings.has(id) ? id : null;
    const box = document.getElementById("chosen");
    box.hidden = !state.chosen;
    if (state.chosen) {
      const coding = codings.get(id);
      const chip = document.getElementById("chosen-chip");
      chip.textContent = codes[coding.code_id]?.name || "";
      chip.style.borderLeft = `4px solid ${colour(coding.code_id)}`;
      document.getElementById("chosen-by").textContent = `by ${coding.coder}, ${coding.origin}`;
      document.getElementById("chosen-text").textContent = textOf(coding.start, coding.end);
      document.getElementById("recode").value = coding.code_id;
      document.getElementById("memo").value = coding.memo || "";
    }
    draw(false);
  }

  function captureSelection(event) {
    const selection = window.getSelection();
    if (selection.rangeCount && !selection.isCollapsed) {
      const range = selection.getRangeAt(0);
      if (!range.intersectsNode(root)) return;
      const start = offsetAt(range.startContainer, range.startOffset, false);
      const end = offsetAt(range.endContainer, range.endOffset, true);
      selection.removeAllRanges();
      if (start < end) select(...wholeWords(start, end));
      return;
    }
    const target = event.target instanceof Element ? event.target : null;
    const pieceEl = target && target.closest(".p.seg");
    if (!pieceEl || !root.contains(pieceEl)) return;
    const piece = pieceOf.get(pieceEl);
    state.lastSeg = piece.index;
    const run = target.closest(".hl");
    if (run) choose(run.dataset.ids.split(" ")[0]);
    select(piece.start, piece.end);
  }

  // --- talking to the server ---------------------------------------------------------

  function keep(coding) {
    stale();
    codings.set(coding.id, {
      id: coding.id, start: coding.start, end: coding.end, code_id: coding.code_id,
      coder: coding.coder, memo: coding.memo, origin: coding.origin,
    });
  }

  // A selection across turns codes the words of each turn, not the labels between them.
  function perTurn(start, end) {
    const spans = [];
    for (const turn of turns) {
      const [a, b] = [Math.max(start, turn.start), Math.min(end, turn.end)];
      if (a < b && textOf(a, b)) spans.push([a, b]);
    }
    return spans.length ? spans : [[start, end]];
  }

  async function apply(codeId) {
    if (!state.sel) {
      state.active = codeId;
      markActive();
      QC.toast(`Select some text (or click a sentence), then press Enter to apply ${codes[codeId]?.name}`);
      return;
    }
    try {
      let made = null;
      for (const [start, end] of perTurn(state.sel.start, state.sel.end)) {
        made = await QC.api("POST", "/api/codings", { document: docId, start, end, code: codeId });
        keep(made);
      }
      state.active = codeId;
      markActive();
      select(0, 0);
      draw();
      QC.toast(`${made.code}: “${made.text.slice(0, 60)}${made.text.length > 60 ? "…" : ""}”`);
      loadCounts();
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  async function refresh() {
    const found = await QC.api("GET", `/api/documents/${docId}/codings`);
    codings = new Map();
    stale();
    found.forEach(keep);
    state.fetched = Date.now();
    if (state.chosen && !codings.has(state.chosen)) choose(null);
    draw();
  }

  async function undo() {
    try {
      const done = await QC.api("POST", "/api/undo");
      QC.toast(done.message);
      loadCounts();
      await Promise.all([refresh(), loadNotes()]);
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  async function change(body) {
    if (!state.chosen) return;
    try {
      const changed = await QC.api("PATCH", `/api/codings/${state.chosen}`, body);
      keep(changed);
      choose(changed.id);
      draw();
      QC.toast(body.memo !== undefined ? "Memo saved" : `Now ${changed.code}`);
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  // --- memos on segments, beside their turn -------------------------------------------------

  const noteBox = document.getElementById("segment-memo");
  const noteText = document.getElementById("segment-memo-text");

  function openNote(seg, memoId) {
    const piece = segments.find((p) => p.seg === seg);
    if (!piece) return;
    const memo = notes.find((n) => n.id === memoId)
      || (memoId === undefined ? notes.find((n) => n.segment === seg && n.coder === data.coder) : null);
    state.note = { seg, id: memo ? memo.id : null };
    noteBox.hidden = false;
    document.getElementById("segment-memo-title").textContent = memo ? `Memo by ${memo.coder}` : "New memo on this sentence";
    document.getElementById("segment-memo-quote").textContent = textOf(piece.start, piece.end);
    noteText.value = memo ? memo.text : "";
    noteText.focus();
  }

  function noteOnSelection() {
    const piece = state.sel && segments.find((p) => p.end > state.sel.start);
    if (piece) openNote(piece.seg);
  }

  async function loadNotes() {
    const found = await QC.api("GET", `/api/documents/${docId}/memos`);
    notes = found.filter((n) => n.target_type === "segment");
    drawMargins();
  }

  async function saveNote() {
    if (!state.note || !noteText.value.trim()) return;
    try {
      if (state.note.id) await QC.api("PATCH", `/api/memos/${state.note.id}`, { text: noteText.value });
      else await QC.api("POST", "/api/memos", { target_type: "segment", target: docId, segment: state.note.seg, text: noteText.value });
      noteBox.hidden = true;
      state.note = null;
      await loadNotes();
      QC.toast("Memo saved (u to undo)");
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  document.getElementById("note-selection").addEventListener("click", noteOnSelection);
  document.getElementById("save-note").addEventListener("click", saveNote);
  noteText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      saveNote();
    } else if (event.key === "Escape") {
      noteBox.hidden = true;
      state.note = null;
    }
  });

  async function remove() {
    if (!state.chosen) return;
    try {
      await QC.api("DELETE", `/api/codings/${state.chosen}`);
      codings.delete(state.chosen);
      stale();
      choose(null);
      draw();
      QC.toast("Coding removed (u to undo)");
      loadCounts();
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  function focusedSuggestion() {
    const el = document.activeElement && document.activeElement.closest(".suggestion");
    return el ? Number(el.dataset.suggestion) : null;
  }

  function focusSuggestion(afterId) {
    const shown = hintsHidden() ? [] : visibleSuggestions();
    if (!shown.length) {
      QC.toast("No suggestion pending in this document");
      return null;
    }
    const at = afterId === undefined ? -1 : shown.findIndex((s) => s.id === afterId);
    const next = shown[at + 1] || shown[0];
    openCard(next.id)?.scrollIntoView({ block: "center", behavior: "smooth" });
    return next.id;
  }

  function openCard(id) {
    state.openHints.add(id);
    const s = suggestions.find((x) => x.id === id);
    drawMargins(s ? [turnIndex(s.start)] : []);
    const found = root.querySelector(`.suggestion[data-suggestion="${id}"]`);
    found?.focus();
    return found;
  }

  async function decide(id, accept) {
    if (id === null) {
      focusSuggestion();
      return;
    }
    const at = (hintsHidden() ? [] : visibleSuggestions()).findIndex((s) => s.id === id);
    const code = suggestions.find((s) => s.id === id)?.code;
    try {
      if (accept) {
        const made = await QC.api("POST", `/api/suggestions/${id}/accept`);
        made.forEach(keep);
      } else {
        await QC.api("POST", `/api/suggestions/${id}/reject`);
      }
      suggestions = suggestions.filter((s) => s.id !== id);
      draw();
      QC.toast(`${accept ? "Accepted" : "Rejected"}: ${code}`);
      if (accept) loadCounts();
      const shown = hintsHidden() ? [] : visibleSuggestions();
      if (shown.length && state.openHints.has(id)) openCard(shown[Math.min(Math.max(at, 0), shown.length - 1)].id);
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  function nextUncoded() {
    const own = byPiece();
    const from = state.sel ? firstPieceEndingAfter(state.sel.end) : state.lastSeg + 1;
    const order = [...segments.filter((p) => p.index >= from), ...segments.filter((p) => p.index < from)];
    const next = order.find((p) => !own[p.index].some((c) => c.coder === data.coder));
    if (!next) {
      QC.toast("Every segment has a coding of yours");
      return;
    }
    state.lastSeg = next.index;
    select(next.start, next.end);
    next.el.scrollIntoView({ block: "center" });
  }

  // --- the codebook panel --------------------------------------------------------------

  const search = document.getElementById("code-search");
  const items = [...document.querySelectorAll(".codebook li.code")];

  function quick() {
    return items.filter((li) => !li.classList.contains("hidden-by-search")).slice(0, 9);
  }

  function numberKeys() {
    for (const li of items) li.querySelector(":scope > .code-row .key").textContent = "";
    quick().forEach((li, n) => { li.querySelector(":scope > .code-row .key").textContent = String(n + 1); });
  }

  function markActive() {
    for (const li of items) li.classList.toggle("active", li.dataset.code === state.active);
  }

  function filterCodes() {
    const words = search.value.trim().toLowerCase();
    for (const li of items) li.classList.toggle("hidden-by-search", words !== "" && !li.dataset.search.includes(words));
    for (const li of items) {
      if (!li.classList.contains("hidden-by-search")) {
        for (let up = li.parentElement.closest("li.code"); up; up = up.parentElement.closest("li.code")) {
          up.classList.remove("hidden-by-search");
        }
      }
    }
    for (const theme of document.querySelectorAll(".codebook details.theme")) {
      const any = theme.querySelector("li.code:not(.hidden-by-search)");
      theme.hidden = words !== "" && !any;
      if (words !== "") theme.open = Boolean(any);
    }
    numberKeys();
  }

  search.addEventListener("input", filterCodes);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const first = quick()[0];
      if (first) apply(first.dataset.code);
      event.preventDefault();
    } else if (event.key === "Escape") {
      search.value = "";
      filterCodes();
      search.blur();
    }
  });

  document.querySelector(".codebook").addEventListener("click", (event) => {
    const applyButton = event.target.closest("[data-apply]");
    if (applyButton) {
      apply(applyButton.dataset.apply);
      return;
    }
    const info = event.target.closest("[data-info]");
    if (info) {
      const about = info.closest("li.code").querySelector(":scope > .about");
      about.hidden = !about.hidden;
      info.setAttribute("aria-expanded", String(!about.hidden));
    }
  });

  // Keep the selection when a code is clicked: a mousedown on a button would clear it.
  document.querySelector(".panel").addEventListener("mousedown", (event) => {
    if (event.target.closest("button")) event.preventDefault();
  });

  // --- events --------------------------------------------------------------------------

  document.addEventListener("mouseup", (event) => {
    state.dragging = false;
    if (event.target instanceof Element && event.target.closest(".panel, .margin, .overlay")) {
      drawTurns([...near]);
      return;
    }
    setTimeout(() => {
      captureSelection(event);
      drawTurns([...near]);
    }, 0);
  });

  root.addEventListener("click", (event) => {
    const labelButton = event.target.closest(".label");
    if (labelButton) {
      choose(labelButton.dataset.coding);
      return;
    }
    const note = event.target.closest(".note");
    if (note) {
      openNote(Number(note.dataset.seg), note.dataset.memo);
      return;
    }
    const mark = event.target.closest(".marker");
    if (mark) {
      const ids = mark.dataset.ids.split(" ").map(Number);
      const open = mark.getAttribute("aria-expanded") === "true";
      for (const id of ids) state.openHints[open ? "delete" : "add"](id);
      drawMargins();
      if (!open) root.querySelector(`.suggestion[data-suggestion="${ids[0]}"]`)?.focus();
      return;
    }
    const box = event.target.closest(".suggestion");
    if (box && event.target.closest("[data-accept]")) decide(Number(box.dataset.suggestion), true);
    else if (box && event.target.closest("[data-reject]")) decide(Number(box.dataset.suggestion), false);
  });

  root.addEventListener("mouseover", (event) => {
    const over = event.target.closest(".stripe");
    if (over) lightUp(over.dataset.coding, true);
  });
  root.addEventListener("mouseout", (event) => {
    const out = event.target.closest(".stripe");
    if (out) lightUp(out.dataset.coding, false);
  });
  root.addEventListener("focusin", (event) => {
    if (event.target.closest(".stripe")) lightUp(event.target.dataset.coding, true);
  });
  root.addEventListener("focusout", (event) => {
    if (event.target.closest(".stripe")) lightUp(event.target.dataset.coding, false);
  });
  for (const control of [hintView, hintCode, hintScore]) control.addEventListener("change", () => drawMargins());
  for (const s of suggestions) {
    if (![...hintCode.options].some((o) => o.value === s.code_id)) {
      const option = document.createElement("option");
      option.value = s.code_id;
      option.textContent = s.code;
      hintCode.append(option);
    }
  }
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      for (const turn of turns) turn.sig = "";  // lines wrap anew: every stripe moves
      drawMargins();
    }, 100);
  });

  document.addEventListener("keydown", (event) => {
    if (QC.typing(event.target) || !document.getElementById("help").hidden && event.key !== "Escape") return;
    const key = event.key;
    if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
      event.preventDefault();
      undo();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const own = keyMap()[key];
    if (own && codes[own]) {
      apply(own);
    } else if (/^[1-9]$/.test(key)) {
      const li = quick()[Number(key) - 1];
      if (li) apply(li.dataset.code);
    } else if (key === "Enter" && state.active) {
      apply(state.active);
    } else if (key === "/") {
      search.focus();
    } else if (key === "f") {
      findBox.focus();
    } else if (key === "c") {
      openEditor(null);
    } else if (key === "n") {
      nextUncoded();
    } else if (key === "s") {
      focusSuggestion(focusedSuggestion() ?? undefined);
    } else if (key === "a" || key === "r") {
      decide(focusedSuggestion(), key === "a");
    } else if (key === "u") {
      undo();
    } else if ((key === "Delete" || key === "Backspace") && state.chosen) {
      remove();
    } else if (key === "m" && state.chosen) {
      document.getElementById("memo").focus();
    } else if (key === "m" && state.sel) {
      noteOnSelection();
    } else if (key === "Escape") {
      select(0, 0);
      choose(null);
      return;
    } else {
      return;
    }
    event.preventDefault();
  });

  document.querySelector("[data-clear]").addEventListener("click", () => select(0, 0));
  document.querySelector("[data-unchoose]").addEventListener("click", () => choose(null));
  document.getElementById("save-memo").addEventListener("click", () => change({ memo: document.getElementById("memo").value }));
  document.getElementById("remove").addEventListener("click", remove);
  const recode = document.getElementById("recode");
  for (const li of items) {
    const option = document.createElement("option");
    option.value = li.dataset.code;
    option.textContent = codes[li.dataset.code]?.name || li.dataset.code;
    recode.append(option);
  }
  recode.addEventListener("change", () => change({ code: recode.value }));

  document.getElementById("memo-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      const memo = await QC.api("POST", "/api/memos", {
        target_type: "document", target: docId, text: form.text.value,
      });
      const li = document.createElement("li");
      const by = document.createElement("span");
      by.className = "muted small";
      by.textContent = memo.coder;
      li.append(by, ` ${memo.text}`);
      document.getElementById("doc-memos").append(li);
      form.reset();
      QC.toast("Memo added");
    } catch (error) {
      QC.toast(error.message, true);
    }
  });

  // Another tab may have coded here meanwhile: look again when this one comes back.
  window.addEventListener("focus", () => {
    if (Date.now() - state.fetched > 3000) Promise.all([refresh(), loadNotes()]).catch(() => {});
  });

  // --- counts, collapsing, and changing the codebook in place ----------------------------

  async function loadCounts() {
    try {
      for (const row of await QC.api("GET", "/api/codes")) {
        const badge = document.querySelector(`li.code[data-code="${row.id}"] > .code-row [data-count]`);
        if (badge) badge.textContent = row.codings_total ? String(row.codings_total) : "";
      }
    } catch (error) {
      QC.toast(error.message, true);
    }
  }

  const collapse = document.getElementById("collapse");
  collapse.addEventListener("click", () => {
    const folding = collapse.getAttribute("aria-pressed") !== "true";
    for (const theme of document.querySelectorAll(".codebook details.theme")) theme.open = !folding;
    collapse.setAttribute("aria-pressed", String(folding));
    collapse.textContent = folding ? "Expand all" : "Collapse all";
  });

  const RESERVED = "nsarumfc/?";
  function keyMap() {
    try {
      return JSON.parse(localStorage.getItem("qualcode-keys") || "{}");
    } catch {
      return {};
    }
  }
  function keyOf(codeId) {
    return Object.keys(keyMap()).find((k) => keyMap()[k] === codeId) || "";
  }
  function setKey(codeId, key) {
    const map = Object.fromEntries(Object.entries(keyMap()).filter(([, id]) => id !== codeId));
    if (key) map[key] = codeId;
    localStorage.setItem("qualcode-keys", JSON.stringify(map));
  }
  function showKeys() {
    for (const el of document.querySelectorAll(".own-key")) el.remove();
    for (const [key, codeId] of Object.entries(keyMap())) {
      const row = document.querySelector(`li.code[data-code="${codeId}"] > .code-row .apply`);
      if (!row) continue;
      const kbd = document.createElement("kbd");
      kbd.className = "own-key";
      kbd.textContent = key;
      kbd.title = "Your key for this code";
      row.append(kbd);
    }
  }

  const editor = document.getElementById("code-editor");
  const form = document.getElementById("code-form");
  let editing = null;

  function fullColour(value) {
    const c = (value || "").trim();
    return /^#[0-9a-f]{3}$/i.test(c) ? `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}` : /^#[0-9a-f]{6}$/i.test(c) ? c.toLowerCase() : "#888888";
  }

  function parentOf(codeId) {
    const li = document.querySelector(`li.code[data-code="${codeId}"]`);
    return li?.parentElement.closest("li.code")?.dataset.code || li?.closest("details.theme")?.dataset.theme || "";
  }

  function openEditor(codeId) {
    editing = codeId;
    editor.hidden = false;
    const li = codeId && document.querySelector(`li.code[data-code="${codeId}"]`);
    const inVivo = !codeId && state.sel ? textOf(state.sel.start, state.sel.end).replace(/^[\s"“'‘]+|[\s.,;:!?"”'’]+$/g, "") : "";
    document.getElementById("editor-title").textContent = codeId ? `Code: ${codes[codeId].name}` : inVivo ? "New code from the selection" : "New code";
    form.name.value = codeId ? codes[codeId].name : inVivo.slice(0, 120);
    form.colour.value = fullColour(codeId && codes[codeId].colour);
    form.colour.dataset.was = form.colour.value;
    form.definition.value = li ? li.querySelector(":scope > .about > p").textContent : "";
    form.parent.value = codeId ? parentOf(codeId) : (state.active && parentOf(state.active)) || form.parent.options[0].value;
    form.key.value = codeId ? keyOf(codeId) : "";
    form.memo.value = "";
    document.getElementById("merge-box").hidden = !codeId;
    for (const option of form.into.options) option.disabled = option.value === codeId;
    form.name.focus();
    form.name.select();
  }

  function reloadAt(message) {
    sessionStorage.setItem("qualcode-said", message);
    const seen = pieces.find((p) => p.el.getBoundingClientRect().bottom > 60);
    window.location.hash = `at-${seen ? seen.start : 0}`;
    window.location.reload();
  }

  async function changeCodebook(bodies, codeId) {
    let said = "Saved";
    let id = codeId;
    for (const body of bodies) {
      const done = await QC.api("POST", "/api/codebook", body);
      said = done.message;
      id = id || done.code_id;
    }
    return [said, id];
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = form.key.value.trim();
    if (key && RESERVED.includes(key)) {
      QC.toast(`The key ${key} does something else already: choose another`, true);
      return;
    }
    const bodies = [];
    const colourChanged = form.colour.value !== form.colour.dataset.was;
    if (!editing) {
      const body = { action: "create", name: form.name.value, parent: form.parent.value };
      if (form.definition.value.trim()) body.definition = form.definition.value;
      if (colourChanged) body.colour = form.colour.value;
      if (state.sel) Object.assign(body, { document: docId, start: state.sel.start, end: state.sel.end });
      bodies.push(body);
    } else {
      const li = document.querySelector(`li.code[data-code="${editing}"]`);
      if (form.name.value.trim() !== codes[editing].name) bodies.push({ action: "rename", code: editing, name: form.name.value });
      if (colourChanged) bodies.push({ action: "recolour", code: editing, colour: form.colour.value });
      if (form.definition.value.trim() !== li.querySelector(":scope > .about > p").textContent.trim()) {
        bodies.push({ action: "define", code: editing, definition: form.definition.value });
      }
      if (form.parent.value !== parentOf(editing)) bodies.push({ action: "move", code: editing, parent: form.parent.value });
    }
    try {
      const [said, id] = await changeCodebook(bodies, editing);
      setKey(id, key);
      if (form.memo.value.trim()) {
        await QC.api("POST", "/api/memos", { target_type: "code", target: id, text: form.memo.value });
      }
      if (!bodies.length) {
        editor.hidden = true;
        showKeys();
        QC.toast(form.memo.value.trim() ? "Memo added" : "Saved");
        return;
      }
      reloadAt(said);
    } catch (error) {
      QC.toast(error.message, true);
    }
  });

  document.getElementById("merge-code").addEventListener("click", async () => {
    try {
      const [said] = await changeCodebook([{ action: "merge", code: editing, into: form.into.value }], editing);
      reloadAt(said);
    } catch (error) {
      QC.toast(error.message, true);
    }
  });
  document.getElementById("cancel-code").addEventListener("click", () => { editor.hidden = true; });
  document.getElementById("new-code").addEventListener("click", () => openEditor(null));
  document.querySelector(".codebook").addEventListener("click", (event) => {
    const edit = event.target.closest("[data-edit]");
    if (edit) openEditor(edit.dataset.edit);
  });
  for (const li of items) {
    const option = document.createElement("option");
    option.value = li.dataset.code;
    option.textContent = codes[li.dataset.code]?.name || li.dataset.code;
    form.into.append(option);
  }

  // --- find in this transcript ------------------------------------------------------------

  const findBox = document.getElementById("find-in");
  const finding = { found: [], at: -1 };

  function findAll() {
    const words = findBox.value.trim().toLowerCase();
    finding.found = [];
    finding.at = -1;
    if (words) {
      for (const piece of pieces) {
        const lower = piece.text.toLowerCase();
        for (let i = lower.indexOf(words); i >= 0; i = lower.indexOf(words, i + 1)) {
          finding.found.push([piece.start + unitsToPoints(piece, i, false), piece.start + unitsToPoints(piece, i + words.length, true)]);
        }
      }
    }
    document.getElementById("find-count").textContent = words ? `${finding.found.length} match${finding.found.length === 1 ? "" : "es"}` : "";
  }

  function step(by) {
    if (!finding.found.length) return;
    finding.at = (finding.at + by + finding.found.length) % finding.found.length;
    const [a, b] = finding.found[finding.at];
    select(a, b);
    pieces[firstPieceEndingAfter(a)].el.scrollIntoView({ block: "center" });
    document.getElementById("find-count").textContent = `${finding.at + 1} of ${finding.found.length}`;
  }

  findBox.addEventListener("input", findAll);
  findBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      step(event.shiftKey ? -1 : 1);
      event.preventDefault();
    } else if (event.key === "Escape") {
      findBox.blur();
    }
  });
  document.getElementById("find-next").addEventListener("click", () => step(1));
  document.getElementById("find-prev").addEventListener("click", () => step(-1));

  // --- listening: click a turn's time to play from there; the turn spoken is lit -------------

  const player = document.getElementById("player");
  function seconds(clock) {
    return clock ? clock.trim().split(":").map(Number).reduce((a, b) => a * 60 + b, 0) : null;
  }
  if (player) {
    const times = turns.map((t) => seconds(t.el.querySelector(".time")?.textContent));
    root.addEventListener("click", (event) => {
      const time = event.target.closest(".time");
      if (!time) return;
      player.currentTime = seconds(time.textContent);
      player.play().catch((error) => QC.toast(error.message, true));
    });
    player.addEventListener("timeupdate", () => {
      let now = -1;
      times.forEach((t, i) => { if (t !== null && t <= player.currentTime + 0.05) now = i; });
      turns.forEach((t, i) => t.el.classList.toggle("speaking", i === now));
    });
  }

  draw();
  numberKeys();
  showKeys();
  loadCounts();
  const said = sessionStorage.getItem("qualcode-said");
  if (said) {
    sessionStorage.removeItem("qualcode-said");
    QC.toast(said);
  }
  const at = /^#at-(\d+)$/.exec(window.location.hash);
  if (at) {
    const piece = pieces[firstPieceEndingAfter(Number(at[1]))];
    if (piece) piece.el.scrollIntoView({ block: "center" });
  }
  for (const turn of turns) observer.observe(turn.el);
  if (turns.length <= SMALL) ready();
  window.qualcode = { offsetAt, select, wholeWords, state, codings: () => codings, pieces };
})();
