"""A scope's trained model on disk: kept fresh, written whole, read once per process.

The trained model lives in the project folder, ``.qualcode/models/<scope>/`` (one per
scope: everyone's codings, or a blind coder's own), next to ``calibration.json``; the
``Setting`` ``suggest.model.<scope>`` records when it was trained, on how many codings
and rejections, and on which codebook. It is retrained on ``--retrain``, when the
codebook changed, or when the codings and rejections it learnt from changed by more
than ``RETRAIN_AFTER`` (or a tenth of them, whichever is more).
"""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language

from ..models import Setting
from ..project import Project
from .base import SuggestContext, get_suggester
from .combine import Calibrator
from .data import CodeInfo, Scope, count_in_scope, leaf_codes, load_corpus
from .linear import LinearSettings, LinearSuggester
from .rules import RuleSuggester
from .training import Fitted, fit

MODEL_DIR = Path(".qualcode") / "models"
SETTING_PREFIX = "suggest.model."
MODEL_FORMAT = 4  # 3: the calibration keeps its precision curves; 4: similar passages
RETRAIN_AFTER = 20
MODEL_FILE = "linear.npz"
HELD_OUT = "held_out.npz"  # out-of-fold scores of the training segments


@dataclass
class SuggestionModel:
    """A fitted model for one scope, and what the project records about it."""

    scope: Scope
    fitted: Fitted
    meta: dict[str, Any]
    why: str  # "loaded", or why it was (re)trained now


def rules_for(nlp: Language, codes: list[CodeInfo]) -> RuleSuggester:
    """The registered ``rules`` suggester for these codes."""
    return get_suggester("rules").factory(SuggestContext(nlp, codes))  # type: ignore[return-value]


def model_path(project: Project, scope: Scope) -> Path:
    return project.root / MODEL_DIR / scope.key


def _stale(meta: dict[str, Any] | None, codes: list[CodeInfo], now: dict[str, Any]) -> str | None:
    """Why a stored model cannot be used any more, or None if it can."""
    if not meta or meta.get("format") != MODEL_FORMAT:
        return "no model yet"
    if meta.get("codes") != [code.id for code in codes]:
        return "the codes changed"
    if meta.get("settings") != now["settings"]:
        return "the model's settings changed"
    if meta.get("training", []) != now["training"]:
        return "the coders marked as training material changed"
    if (meta.get("codebook") or {}).get("sha256") != (now["codebook"] or {}).get("sha256"):
        return "the codebook changed"
    changed = abs(now["codings"] - meta["codings"]) + abs(now["rejections"] - meta["rejections"])
    if changed > max(RETRAIN_AFTER, meta["codings"] // 10):
        return f"{changed} codings or rejections changed since it was trained"
    return None


def ensure_model(
    project: Project,
    scope: Scope,
    *,
    nlp: Language,
    retrain: bool = False,
    settings: LinearSettings | None = None,
) -> SuggestionModel:
    """The scope's model: loaded if still fresh, else trained on the codings in scope."""
    key = SETTING_PREFIX + scope.key
    settings = settings or LinearSettings()
    with project.sessionmaker() as session:
        codes = leaf_codes(session)
        stored = session.get(Setting, key)
        codebook = session.get(Setting, "codebook")
        codings, rejections = count_in_scope(session, scope)
    now = {
        "codebook": codebook.value if codebook else None,
        "codings": codings,
        "rejections": rejections,
        "settings": json.loads(json.dumps(asdict(settings))),  # as stored: lists, not tuples
        "training": list(scope.training),
    }
    meta = stored.value if stored else None
    why = "--retrain" if retrain else _stale(meta, codes, now)
    path = model_path(project, scope)
    if why is None and meta is not None:
        loaded = _load_once(path, codes, nlp, meta)
        if loaded is not None:
            return SuggestionModel(scope, loaded, meta, "loaded")
        why = "its files are missing"
    with project.sessionmaker() as session:
        corpus = load_corpus(session, scope, codes)
    fitted = fit(corpus, nlp, rules_for(nlp, codes), settings)
    meta = _save(path, fitted, codes, now, scope)
    with project.transaction() as session:
        session.merge(Setting(key=key, value=meta))
    return SuggestionModel(scope, fitted, meta, f"trained: {why}")


def swap_in(fresh: Path, path: Path) -> None:
    """Put the folder ``fresh`` where ``path`` is, whole: two servers or workers training
    the same coder's model at once each write a folder of their own, and the last to
    finish wins; a reader never sees a half-written model."""
    for _attempt in range(5):
        old = path.parent / f".{path.name}.old.{uuid.uuid4().hex}"
        try:
            path.rename(old)
        except FileNotFoundError:
            old = None
        try:
            fresh.rename(path)
        except OSError:  # another writer put its folder there in between: try again
            continue
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        return
    shutil.rmtree(fresh, ignore_errors=True)  # the others' model stands; it is as new


def _save(
    path: Path,
    fitted: Fitted,
    codes: list[CodeInfo],
    now: dict[str, Any],
    scope: Scope,
) -> dict[str, Any]:
    fresh = path.parent / f".{path.name}.{uuid.uuid4().hex}"
    fresh.mkdir(parents=True)
    if fitted.model is not None:
        (fresh / MODEL_FILE).write_bytes(fitted.model.to_bytes())
    if fitted.held_out is not None:
        np.savez_compressed(fresh / HELD_OUT, ids=fitted.held_out_ids, logits=fitted.held_out)
    calibration = {"codes": [code.id for code in codes], **fitted.calibrator.to_json()}
    (fresh / "calibration.json").write_text(json.dumps(calibration), encoding="utf-8")
    swap_in(fresh, path)
    codebook = now["codebook"] or {}
    return {
        "format": MODEL_FORMAT,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scope": scope.describe(),
        "path": str(path),
        "codings": now["codings"],
        "rejections": now["rejections"],
        "codebook": {"version": codebook.get("version"), "sha256": codebook.get("sha256")},
        "codes": [code.id for code in codes],
        "model": fitted.model is not None,
        "settings": now["settings"],
        "training": now["training"],
        **fitted.info,
    }


# Models read from disk, kept in this process: a ranking beside each selection in the
# app would otherwise read the model and build its rules again every time (most of the
# ranking's time). Keyed by what the project records of the model and by its files'
# change times, so that a retrained or replaced model is read afresh.
_LOADED: OrderedDict[tuple, Fitted] = OrderedDict()
_LOADED_MAX = 4
_LOADED_LOCK = threading.Lock()  # the app's request threads share it


def _load_once(
    path: Path, codes: list[CodeInfo], nlp: Language, meta: dict[str, Any]
) -> Fitted | None:
    try:
        stamp = tuple(file.stat().st_mtime_ns for file in sorted(path.iterdir()))
    except OSError:
        return None
    key = (str(path), stamp, json.dumps(meta, sort_keys=True, default=str), id(nlp))
    with _LOADED_LOCK:
        fitted = _LOADED.get(key)
    if fitted is None:
        fitted = _load(path, codes, nlp, meta)
        if fitted is None:
            return None
        with _LOADED_LOCK:
            _LOADED[key] = fitted
            while len(_LOADED) > _LOADED_MAX:
                _LOADED.popitem(last=False)
    return fitted


def _load(path: Path, codes: list[CodeInfo], nlp: Language, meta: dict[str, Any]) -> Fitted | None:
    try:
        calibration = json.loads((path / "calibration.json").read_text(encoding="utf-8"))
        model, ids, held_out = None, np.zeros(0, dtype=np.int64), None
        if meta.get("model"):
            model = LinearSuggester.from_bytes(codes, (path / MODEL_FILE).read_bytes())
            with np.load(path / HELD_OUT) as saved:
                ids, held_out = saved["ids"], saved["logits"]
    except (OSError, ValueError):
        return None
    if calibration.get("codes") != [code.id for code in codes]:
        return None
    calibrator = Calibrator.from_json(calibration)
    return Fitted(rules_for(nlp, codes), model, calibrator, {}, ids, held_out)
