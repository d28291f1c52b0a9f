"""The generated sections of the status document, rendered from lint results (pure functions).

Each function returns a section's body lines (without its `## heading` line), LF-terminated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .config import Phase, PhaseItem
from .kinds import table
from .model import FileResult
from .rulepack import RulePack

RISK = {"batch": 0, "deployment": 1, None: 2, "read-only": 3}  # documents have class None


@dataclass(frozen=True)
class Results:
    """The lint results as the status document needs them."""

    files: Sequence[FileResult]
    pack: RulePack

    def find(self, ref: str) -> FileResult | None:
        """A file by path, `/command-name`, agent name or document title."""
        bare = ref.lstrip("/")
        for r in self.files:
            if r.path == bare or r.path == ref:
                return r
        for r in self.files:
            if r.kind != "document" and r.name == ref:
                return r
        return None

    def phrases(self, names: Sequence[str], field: str) -> list[str]:
        """The rules' done or todo phrases; section rules first, then in code order."""
        out: list[str] = []
        rules = sorted(
            self.pack.rules, key=lambda r: (r.check not in ("section", "first-section"), r.code)
        )
        for rule in rules:
            if rule.name in names:
                phrase = rule.done if field == "done" else rule.todo
                if phrase and phrase not in out:
                    out.append(phrase)
        return out


def title(r: FileResult) -> str:
    if r.kind == "document":
        return f"**`{r.path}`**" if r.name == r.path else f"**{r.name}**"
    return f"**`{r.name}`**"


def entry(r: FileResult, done: bool) -> str:
    path = "root" if "/" not in r.path else f"`{r.path}`"
    return f"- [{'x' if done else ' '}] {title(r)} ({path})"


def overview(res: Results) -> list[str]:
    text: str = res.pack.status["overview"]
    total = len(res.files)
    passing = sum(r.status == "pass" for r in res.files)
    errors = sum(r.status == "error" for r in res.files)
    counts = (
        f"**Status**: {total} files checked, {passing} compliant, {total - passing} remaining"
        + (f" ({errors} in error)" if errors else "")
        + "."
    )
    return ["", *text.splitlines(), "", counts]


def _group(r: FileResult, groups: dict[str, str]) -> str | None:
    """The group of a file: its kind and class ("command batch"), else its kind."""
    for key in (f"{r.kind} {r.cls}", r.kind):
        if key in groups:
            return key
    return None


def _groups(res: Results, groups: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """(group, heading, plugin) of each group; split by plugin when there are several."""
    plugins = sorted({r.plugin for r in res.files if r.plugin})
    form = str(res.pack.status.get("plugin-heading", "{heading} ({plugin})"))
    out: list[tuple[str, str, str | None]] = []
    for key, heading in groups.items():
        if len(plugins) < 2:
            out.append((key, heading, "*"))
            continue
        out.append((key, heading, None))
        out += [(key, form.format(heading=heading, plugin=p), p) for p in plugins]
    return out


def _grouped(res: Results, status: set[str], groups: dict[str, str], done: bool) -> list[str]:
    lines: list[str] = []
    for key, heading, plugin in _groups(res, groups):
        members = [
            r
            for r in res.files
            if _group(r, groups) == key and r.status in status and plugin in ("*", r.plugin)
        ]
        if not members:
            continue
        lines += ["", f"### {heading}", ""] if not lines else [f"### {heading}", ""]
        for r in members:
            lines.append(entry(r, done))
            if r.status == "error":
                lines += [f"  - Error: {v.message}" for v in r.violations if v.severity == "error"][
                    :1
                ]
            else:
                names = (
                    r.met
                    if done
                    else [v.requirement for v in r.violations if v.severity == "error"]
                )
                lines += [f"  - {p}" for p in res.phrases(names, "done" if done else "todo")]
            lines.append("")
    return lines[:-1] if lines else ["", "- None."]


def completed(res: Results) -> list[str]:
    return _grouped(res, {"pass"}, res.pack.status["completed-groups"], done=True)


def remaining(res: Results) -> list[str]:
    return _grouped(res, {"fail", "error"}, res.pack.status["remaining-groups"], done=False)


def _item_state(res: Results, item: PhaseItem, hand_ticks: dict[str, bool]) -> tuple[str, bool]:
    found = [f for ref in item.files if (f := res.find(ref)) is not None]
    if not found:
        return item.label, hand_ticks.get(item.label, False)
    label = f"`{item.label}`" if item.files == [item.label] else item.label
    return label, all(f.status == "pass" for f in found)


def rollout(res: Results, phases: Sequence[Phase], hand_ticks: dict[str, bool]) -> list[str]:
    lines: list[str] = []
    for phase in phases:
        states = [_item_state(res, item, hand_ticks) for item in phase.items]
        suffix = " (COMPLETED)" if states and all(done for _, done in states) else ""
        lines += ["", f"### {phase.title}{suffix}"]
        lines += [f"- [{'x' if done else ' '}] {label}" for label, done in states]
    return lines


def _criterion(res: Results, decided_by: str) -> bool:
    files = res.files
    if decided_by == "command-sections":
        kinds = table(res.pack)  # a skill is a command for the policy
        risky = [
            r
            for r in files
            if kinds.checked_as(r.kind) == "command" and r.cls in ("deployment", "batch")
        ]
        sections = {"production-safety-section", "batch-section"}
        return all(not any(v.requirement in sections for v in r.violations) for r in risky)
    if decided_by == "agent-protocols":
        risky = [r for r in files if r.kind == "agent" and r.cls in ("deployment", "batch")]
        return all(r.status == "pass" for r in risky) and not any(
            r.kind == "agent" and r.status == "error" for r in files
        )
    if decided_by == "documents":
        return all(r.status == "pass" for r in files if r.kind == "document")
    raise ValueError(f"unknown success criterion '{decided_by}'")


def criteria(res: Results, existing: list[tuple[str, bool]]) -> list[str]:
    """Decided criteria ticked from the results; the others as the maintainer left them."""
    decided: dict[str, str] = {c["text"]: c["decided-by"] for c in res.pack.status["criteria"]}
    items = list(existing) or [(c, False) for c in decided] + [
        (c, False) for c in res.pack.status["hand-criteria"]
    ]
    known = {text for text, _ in items}
    items += [(c, False) for c in decided if c not in known]
    lines = ["", "Implementation is complete when:"]
    for text, ticked in items:
        done = _criterion(res, decided[text]) if text in decided else ticked
        lines.append(f"- [{'x' if done else ' '}] {text}")
    return lines


def priority(res: Results, priorities: Sequence[str]) -> list[str]:
    todo = [r for r in res.files if r.status != "pass"]
    if not todo:
        return ["", "Nothing remains: every file complies."]
    ranked: list[FileResult] = []
    for ref in priorities:
        found = res.find(ref)
        if found is not None and found in todo and found not in ranked:
            ranked.append(found)
    rest = sorted((r for r in todo if r not in ranked), key=lambda r: (RISK[r.cls], r.path))
    if not ranked:  # without configured priorities, the riskiest files come first
        ranked = [r for r in rest if r.cls in ("batch", "deployment")]
        rest = [r for r in rest if r not in ranked]
    lines: list[str] = []
    number = 1
    for heading, members in (
        ("**HIGHEST PRIORITY** (Complete First):", ranked),
        ("**HIGH PRIORITY** (Complete Soon):", rest),
    ):
        if not members:
            continue
        lines += ["", heading, ""]
        for r in members:
            what = (
                "core document" if r.kind == "document" else f"{r.cls or 'unclassified'} {r.kind}"
            )
            needs = [v.requirement for v in r.violations if v.severity == "error"]
            first = (res.phrases(needs, "todo") or [v.message for v in r.violations] or ["fix it"])[
                0
            ]
            lines.append(f"{number}. {title(r)} ({what}) - {first}")
            number += 1
    return lines
