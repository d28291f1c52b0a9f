"""The decision table: a class from the layers' findings, not from summed weights.

Each finding (an `Evidence`) has a signal (deployment, batch, read-only), a strength (it
decides, or it is weak), a modality and a layer. Only instructed and conditional findings
count. The rows, first match wins:

1. a deciding change (an instructed mutating action on a non-local target, a step that
   changes a live system, the file's own safety section or confirmation gate, delegation to
   a deployment agent) -> `deployment`; with scope over several targets -> `batch`.
   A read-only statement against changes said only in prose -> `unclassified` (contradictory).
2. only weak evidence (an unknown tool with a mutating verb, a bare verb in a lexicon) ->
   `unclassified`, unless the file says it is read-only.
3. nothing -> `read-only`.
"""

from __future__ import annotations

from collections.abc import Sequence

from .modality import COUNTED
from .model import Evidence, SafetyClass

DECIDES = 3  # Evidence.weight of a finding that decides alone
WEAK = 2  # Evidence.weight of a finding that cannot decide alone
STRENGTHS = {"decides": DECIDES, "weak": WEAK}
# Findings that stand against a read-only statement: what the file runs or hands out, and
# what its own safety section says. Prose steps do not.
CONCRETE = frozenset({"action", "section", "delegation"})


def counted(evidence: Sequence[Evidence]) -> list[Evidence]:
    return [e for e in evidence if e.modality in COUNTED]


def mutating_evidence(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Every finding, however weak and in whatever modality but prohibited, that the file may
    change something: what `--fix` must not contradict with a read-only claim."""
    return [
        e for e in evidence if e.signal in ("deployment", "batch") and e.modality != "prohibited"
    ]


def decide(evidence: Sequence[Evidence]) -> tuple[SafetyClass | None, str, str]:
    """(class or None, what decided, why unclassified)."""
    live = counted(evidence)
    change = [e for e in live if e.signal in ("deployment", "batch") and e.weight >= DECIDES]
    change = [e for e in change if e.layer != "scope"]
    scope = [e for e in live if e.signal == "batch"]
    weak = [e for e in live if e.signal == "deployment" and e.weight < DECIDES]
    read_only = [e for e in live if e.signal == "read-only"]
    if change:
        first = min(change, key=lambda e: e.line)
        if read_only and not any(e.layer in CONCRETE for e in change):
            said = min(read_only, key=lambda e: e.line)
            why = f"contradictory: line {first.line} {first.what}, line {said.line} {said.what}"
            return None, why, why
        if scope:
            many = min(scope, key=lambda e: e.line)
            return (
                "batch",
                f"inferred: line {first.line} {first.what}; over several targets "
                f"(line {many.line} {many.what})",
                "",
            )
        return "deployment", f"inferred: line {first.line} {first.what}", ""
    if weak and not read_only:
        first = min(weak, key=lambda e: e.line)
        why = f"weak evidence only: line {first.line} {first.what}; nothing that decides"
        return None, why, why
    return "read-only", "inferred: no instructed action that changes anything", ""
