"""Validation of `rules/lexicons.yaml` (and a team's additions) into `Lexicons`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from safety_lint.catalogue_schema import _close, _Reader
from safety_lint.lexicon import Language, Lexicons, compile_category

TOP = ("verbs", "objects", "targets", "weak-verbs", "languages")
LANGUAGE = ("name", "spaced", "verbs", "objects", "targets", "gates", "non-targets")
CATEGORIES = ("verbs", "objects", "targets")


def build(documents: Sequence[Mapping[str, object]], sources: Sequence[str] = ()) -> Lexicons:
    ids: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    # language -> category -> id -> phrases; gates: language -> phrases
    phrases: dict[str, dict[str, dict[str, list[str]]]] = {}
    gates: dict[str, list[str]] = {}
    masks: dict[str, list[str]] = {}
    spaced: dict[str, bool] = {}
    weak: list[str] = []
    pending: list[tuple[_Reader, Any, str, str, str]] = []  # checked once all ids are known
    for index, document in enumerate(documents):
        source = sources[index] if index < len(sources) else f"lexicon document {index + 1}"
        r = _Reader(source)
        body: Any = document.get("lexicons", document) if isinstance(document, Mapping) else None
        if body is None:
            continue
        r.keys(body, TOP, "the lexicons")
        for category in CATEGORIES:
            for cid in r.strings(body, category):
                if cid not in ids[category]:
                    ids[category].append(cid)
        weak.extend(r.strings(body, "weak-verbs"))
        languages = body.get("languages") or {}
        r.keys(languages, list(languages), "'languages'")
        for code, node in languages.items():
            if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]+)?", code):
                raise r.fail(languages, code, f"'{code}' is not a language code (en, ru, zh...)")
            r.keys(node, LANGUAGE, f"language '{code}'")
            if "spaced" in node:
                spaced[code] = r.flag(node, "spaced")
            lang = phrases.setdefault(code, {c: {} for c in CATEGORIES})
            for category in CATEGORIES:
                entries = node.get(category) or {}
                r.keys(entries, list(entries), f"'{category}' of language '{code}'")
                for cid in entries:
                    pending.append((r, entries, str(cid), category, code))
                    lang[category].setdefault(str(cid), []).extend(r.strings(entries, cid))
            gates.setdefault(code, []).extend(r.strings(node, "gates"))
            masks.setdefault(code, []).extend(r.strings(node, "non-targets"))
    for r, node, cid, category, code in pending:
        if cid not in ids[category]:
            raise r.fail(
                node,
                cid,
                f"unknown {category[:-1]} '{cid}' in language '{code}'"
                f" (declare it under '{category}')",
                _close(cid, ids[category]),
            )
    languages_out = []
    for code in sorted(phrases):
        is_spaced = spaced.get(code, True)
        lang = phrases[code]
        gate_list = gates.get(code, [])
        gate_category = compile_category({"gate": gate_list}, is_spaced)
        counts = {c: sum(len(v) for v in lang[c].values()) for c in CATEGORIES}
        counts["gates"] = len(gate_list)
        languages_out.append(
            Language(
                code=code,
                verbs=compile_category(lang["verbs"], is_spaced),
                objects=compile_category(lang["objects"], is_spaced),
                targets=compile_category(lang["targets"], is_spaced),
                gates=gate_category,
                non_targets=compile_category({"non-target": masks.get(code, [])}, is_spaced),
                counts=counts,
            )
        )
    return Lexicons(
        languages=tuple(languages_out),
        verbs=tuple(ids["verbs"]),
        objects=tuple(ids["objects"]),
        targets=tuple(ids["targets"]),
        weak_verbs=frozenset(weak),
    )
