"""The scope layer: over how many targets does a mutating action go?

Scope is the mutating command's OWN fan-out (its `--all`, a list of targets), a shell loop
around a mutating command, "each/every/several" targets in a step (an evidence kind of the
rule pack), or work handed to several agents (`classify.delegation_evidence`). The `--all`
of an unrelated command (`kubectl wait --all`, `poetry cache clear --all`) is not scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .decide import DECIDES
from .modality import COUNTED
from .model import Evidence
from .sources import Source

if TYPE_CHECKING:
    from .classify import Settings


def _mutating_line(line: str, s: Settings) -> bool:
    return any(
        k.layer == "action" and k.weight >= DECIDES and k.pattern.search(line)
        for k in s.by_source.get("code", ())
    )


def code_scope(
    sources: Sequence[Source], s: Settings, found: Mapping[tuple[str, bool], Evidence]
) -> list[Evidence]:
    """Scope findings in code the model runs: a mutating command's own fan-out option, and
    loops around a mutating command. Only looked for when a deciding action was found."""
    if not any(e.layer == "action" and c for (_, c), e in found.items()):
        return []
    out: list[Evidence] = []
    for src in sources:
        if src.kind not in ("code", "inline", "script") or src.modality not in COUNTED:
            continue
        lines = src.text.split("\n")
        for i, line in enumerate(lines):
            if s.scope_all.search(line) and _mutating_line(line.strip(), s):
                what = "a mutating command's own fan-out option (`--all`, a list of targets)"
                out.append(
                    Evidence(
                        src.line + i, "batch", DECIDES, what, "scope-all", src.modality, "scope"
                    )
                )
                return out
            if s.loop.search(line):
                body = []
                for later in lines[i:]:
                    body.append(later)
                    if later.strip().startswith("done") or "; done" in later:
                        break
                if any(_mutating_line(b.split(" do ", 1)[-1].strip(), s) for b in body):
                    what = "loops a mutating command over several targets"
                    out.append(
                        Evidence(
                            src.line + i,
                            "batch",
                            DECIDES,
                            what,
                            "scope-loop",
                            src.modality,
                            "scope",
                        )
                    )
                    return out
    return out
