"""Autofix: insert a missing required section from the rule pack's templates.

Insertion only: every original line stays, in order, byte for byte; line endings, BOM,
encoding, final newline and frontmatter are kept. The fixed text is checked again in memory
and kept only when the fixed rules no longer fire and nothing new fires.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .decide import mutating_evidence
from .model import Classification, Document, Evidence, FileResult, Kind, SafetyClass
from .rulepack import Rule, RulePack
from .sectionfix import SectionFix
from .text import lines_with_endings

_PARAMETERS = (re.compile(r"param|option|argument|flag", re.I), re.compile(r"usage", re.I))
_IMPLEMENTATION = re.compile(
    r"implement|workflow|steps|process|execution|instruction|how it works", re.I
)
_ACTIVITY = (
    (re.compile(r"document", re.I), "documentation generation"),
    (re.compile(r"test|validat|qa\b", re.I), "testing and validation"),
    (re.compile(r"review|inspect|analy|audit", re.I), "read-only inspection and analysis"),
)


@dataclass(frozen=True)
class Encoded:
    """How a file's bytes were text: the codec and whether it carried a BOM."""

    codec: str
    bom: bytes

    @staticmethod
    def of(data: bytes) -> Encoded:
        for bom, codec in (
            (codecs.BOM_UTF8, "utf-8"),
            (codecs.BOM_UTF16_LE, "utf-16-le"),
            (codecs.BOM_UTF16_BE, "utf-16-be"),
        ):
            if data.startswith(bom):
                return Encoded(codec, bom)
        return Encoded("utf-8", b"")

    def decode(self, data: bytes) -> str:
        return data[len(self.bom) :].decode(self.codec)

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


_COUNTS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def fixable(rule: Rule, pack: RulePack) -> SectionFix | None:
    """How a missing section of this rule is inserted; None: it is not fixable."""
    if rule.check != "section" or rule.section is None:
        return None
    return pack.sections[rule.section].fix


def section_text(fix: SectionFix, doc: Document, cls: str, pack: RulePack) -> str:
    """The template of a required section, filled in for this file."""
    t = pack.templates
    mentions = "\n".join(b.text for b in doc.blocks) + str(
        doc.frontmatter.data.get("argument-hint", "")
    )
    protocol = pack.find(dict(fix.questions).get(cls, ""))
    asked = protocol.question_texts if protocol is not None else ()
    about = f"{doc.name} {doc.frontmatter.data.get('description', '')}"
    activity = next((a for p, a in _ACTIVITY if p.search(about)), "read-only operations")
    values = {
        "name": doc.name,
        "questions": "\n".join(f"{' ' * fix.questions_indent}- {q}" for q in asked),
        "count": _COUNTS[len(asked)] if len(asked) < len(_COUNTS) else str(len(asked)),
        "dry_run": t.get("dry-run-line", "") if "--dry-run" in mentions else "",
        "complete": t.get("complete-line", "") if "--complete" in mentions else "",
        "batch": t.get("critical-protocol-batch-lines", "") if cls == "batch" else "",
        "activity": activity,
    }
    return t[fix.template].format_map(values)


def _insert_at(doc: Document, place: str, lines: list[str]) -> int:
    """0-based index of the original line before which the section goes (spec §3-4)."""
    level2 = [s for s in doc.sections if s.heading.level == 2]
    if place == "end":
        return len(lines)
    if place == "first":
        if level2:
            return level2[0].line - 1  # the first section after the title
        return len(lines)
    params = next(
        (s for pattern in _PARAMETERS for s in level2 if pattern.search(s.heading.text)), None
    )
    if params is not None:
        after = [s for s in level2 if s.line > params.line]
        return after[0].line - 1 if after else len(lines)
    impl = next((s for s in level2 if _IMPLEMENTATION.search(s.heading.text)), None)
    return impl.line - 1 if impl is not None else len(lines)


def insert(text: str, at: int, section: str) -> str:
    """`section` inserted before original line `at`, separated by blank lines, in the file's
    line endings. Original lines are not touched; a missing final newline stays missing."""
    lines = lines_with_endings(text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    before, after = lines[:at], lines[at:]
    out = list(before)
    no_final_newline = bool(out) and not out[-1].endswith(("\n", "\r"))
    if no_final_newline:
        out[-1] += newline  # the file gains a line break here and loses it again at the end
    if out and out[-1].strip():
        out.append(newline)
    out += [line + newline for line in section.rstrip("\n").split("\n")]
    if after and after[0].strip():
        out.append(newline)
    fixed = "".join(out + after)
    return fixed[: -len(newline)] if no_final_newline else fixed


@dataclass
class FixOutcome:
    path: str
    original: str
    fixed: str | None  # None: nothing to fix or the fix was refused
    fixed_rules: list[str]
    problem: str = ""


Recheck = Callable[[str], tuple[FileResult, Classification]]


def _is_order_rule(code: str, pack: RulePack) -> bool:
    rule = pack.find(code)
    return rule is not None and rule.check == "confirm-before-mutation"


def fix_document(
    doc: Document,
    result: FileResult,
    text: str,
    pack: RulePack,
    recheck: Recheck,
    evidence: Sequence[Evidence] = (),
) -> FixOutcome:
    """Insert every missing required section of this file, then verify by checking again.

    Never a claim that may be false: nothing where the class is undecided, and no read-only
    `Environment Handling` section into a file with any evidence, however weak, that it
    changes something (`evidence`: the file's classification findings)."""
    missing = [v.requirement for v in result.violations if v.fixable]
    outcome = FixOutcome(result.path, text, None, [])
    if result.status == "error" or not missing or result.cls is None:
        return outcome
    risky = mutating_evidence(evidence)
    if "environment-handling-section" in missing and risky:
        first = min(risky, key=lambda e: e.line)
        outcome.problem = (
            f"fix not applied: the read-only section would claim the file changes nothing, but "
            f"line {first.line} {first.what}; declare `safety-class` after review, or add the "
            "section by hand"
        )
        return outcome
    fixes = []
    for req in missing:
        rule = pack.find(req)
        fix = fixable(rule, pack) if rule is not None else None
        if fix is None:  # a finding marked fixable by a check whose rule has no template
            outcome.problem = f"fix not applied: `{req}` has no template in the rule pack"
            return outcome
        fixes.append(fix)
    fixed = text
    lines = lines_with_endings(text)
    # Insert from the bottom up so earlier insertion points stay valid.
    plans = sorted(
        ((_insert_at(doc, f.place, lines), n, f) for n, f in enumerate(fixes)), reverse=True
    )
    for at, _, fix in plans:
        fixed = insert(fixed, at, section_text(fix, doc, result.cls, pack))
    after, cls = recheck(fixed)
    before_rules = Counter(v.rule for v in result.violations)
    after_rules = Counter(v.rule for v in after.violations)
    gone = [req for req in missing if not any(v.requirement == req for v in after.violations)]
    new = after_rules - before_rules
    if cls.cls != result.cls or len(gone) != len(missing) or new:
        order = [v for v in after.violations if v.rule in new and _is_order_rule(v.rule, pack)]
        if order:
            step = order[0]
            outcome.problem = (
                f"fix not applied: with the section inserted, line {step.line} of the fixed file "
                f"would change an environment before the confirmation protocol ({step.rule}); "
                "move that step below the safety section, or add the section above it by hand"
            )
        else:
            what = ", ".join(sorted(new)) or f"class {result.cls} -> {cls.cls}"
            outcome.problem = f"fix not applied: checking the fixed file found {what}"
        return outcome
    outcome.fixed, outcome.fixed_rules = (
        fixed,
        [v.rule for v in result.violations if v.requirement in gone],
    )
    return outcome


def required_sections(pack: RulePack, kind: Kind, cls: SafetyClass) -> list[SectionFix]:
    """The fixes of the sections the pack requires of every file of this kind and class."""
    from .kinds import table

    kinds = (kind, table(pack).checked_as(kind))  # a skill gets a command's sections
    out: list[SectionFix] = []
    for rule in pack.rules:
        fix = fixable(rule, pack)
        if fix is None or fix in out:
            continue
        if any(
            a.kind in kinds
            and kind not in a.unless_kind
            and (not a.classes or cls in a.classes)
            and a.when is None
            and a.path is None
            for a in rule.applies
        ):
            out.append(fix)
    return out


def new_file(kind: Kind, name: str, cls: SafetyClass, pack: RulePack) -> str:
    """A new command, skill or agent from the templates; it passes `check` as written."""
    from .model import Frontmatter, Target

    title = " ".join(w.capitalize() for w in re.split(r"[-_]+", name) if w)
    stub = Document(
        Target(Path("new.md"), "new.md", kind),
        Frontmatter({}, 0, 0),
        [],
        1,
        f"/{name}" if kind != "agent" else name,
    )
    t = pack.templates
    if kind != "agent":  # a command, or a skill (a command for the policy)
        section = ""
        hint = ""
        parameters = "- `<target>`: what the command works on"
        section = "".join(
            "\n" + section_text(f, stub, cls, pack) for f in required_sections(pack, kind, cls)
        )
        if cls in ("deployment", "batch"):
            hint = (
                "argument-hint: <target> [--environment=test|prod]"
                + (" [--dry-run]" if cls == "batch" else "")
                + "\ndisable-model-invocation: true\n"  # only a person starts it (PS405)
            )
            parameters += "\n- `--environment`: `test` (default) or `prod`"
            if cls == "batch":
                parameters += "\n- `--dry-run`: show the batch impact, change nothing"
        return t[f"new-{kind}"].format_map(
            {
                "bare": name,
                "name": f"/{name}",
                "title": title,
                "hint": hint,
                "cls": cls,
                "parameters": parameters,
                "section": section,
            }
        )
    tools = "Read, Grep, Glob" if cls == "read-only" else "Read, Grep, Glob, Bash"
    return t["new-agent"].format_map(
        {
            "name": name,
            "title": title,
            "tools": tools,
            "cls": cls,
            "section": "\n".join(
                section_text(f, stub, cls, pack) for f in required_sections(pack, kind, cls)
            ),
        }
    )
