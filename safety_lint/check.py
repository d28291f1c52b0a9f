"""Run the rule pack over parsed, classified documents and produce a verdict per file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import suppress
from .checks import REGISTRY, Context, Finding
from .checks.repository import CHECKS as REPOSITORY
from .checks.repository import Facts
from .kinds import table as kinds_table
from .model import Classification, Document, FileResult, Severity, Status, Target, Violation
from .parse import NOT_FOUND
from .record import replace
from .rulepack import Applies, Rule, RulePack
from .sections import find_section


@dataclass(frozen=True)
class Selector:
    """Which rules a run reports and how (`--select` / `--ignore`, per-rule severity,
    whether suppressions need a reason). Keys are rule codes or names."""

    select: frozenset[str] = field(default_factory=frozenset)
    ignore: frozenset[str] = field(default_factory=frozenset)
    severity: dict[str, Severity] = field(default_factory=dict)
    require_reason: bool = False
    require_declaration: bool = False  # configuration `require-safety-class: true`

    def wants(self, rule: Rule) -> bool:
        keys = {rule.code, rule.name}
        if self.select and not keys & self.select:
            return False
        return not keys & self.ignore

    def severity_of(self, rule: Rule) -> Severity:
        return self.severity.get(rule.code, self.severity.get(rule.name, rule.severity))


def _mentions(doc: Document) -> str:
    hint = doc.frontmatter.data.get("argument-hint")
    texts = [hint if isinstance(hint, str) else ""]
    texts += [b.text for b in doc.blocks if b.type in ("text", "code", "heading")]
    return "\n".join(texts)


def applicable(
    rule: Rule, doc: Document, cls: str | None, mentions: str, checked_as: str | None = None
) -> Applies | None:
    """The first `applies` entry that matches this file, if any. An entry for a kind applies
    to that kind and to the kinds checked as it (a skill is checked as a command), unless the
    entry names them in `unless-kind`."""
    kind = doc.target.kind
    checked_as = checked_as or kinds_table().checked_as(kind)
    for where in rule.applies:
        if where.kind not in (kind, checked_as) or kind in where.unless_kind:
            continue
        if where.classes and cls not in where.classes:
            continue
        if where.path is not None and where.path != doc.target.rel:
            continue
        if where.when is not None and not where.when.search(mentions):
            continue
        return where
    return None


def _violation(rule: Rule, line: int, message: str) -> Violation:
    return Violation(rule.code, rule.name, rule.severity, line, 1, message)


def _end_line(where: Applies, ctx: Context, line: int) -> int:
    """A finding at the heading of the section a rule looks in is about the whole section, so
    a suppression written anywhere in that section covers it."""
    if where.section is None:
        return 0
    section = find_section(ctx.sections, ctx.pack.sections[where.section])
    if section is None or section.line != line:
        return 0
    return max((b.end_line for b in section.blocks), default=line)


def _builtin(pack: RulePack, name: str) -> Rule:
    rule = pack.find(name)
    assert rule is not None, f"rule pack lacks builtin rule {name}"
    return rule


def check_document(
    doc: Document,
    classification: Classification,
    pack: RulePack,
    selector: Selector,
    facts: Facts | None = None,
) -> FileResult:
    """Every rule that applies to this file; `facts` about the repository enable the
    repository rules (without them, those rules are skipped)."""
    violations: list[Violation] = []
    met: list[str] = []
    for diag in doc.diagnostics:
        violations.append(_violation(_builtin(pack, diag.requirement), diag.line, diag.message))
    checked_as = kinds_table(pack).checked_as(doc.target.kind)
    if doc.readable:
        if checked_as != "document" and classification.cls is None:
            rule = _builtin(pack, "unclassified")
            reason = classification.unclassified_reason or "no class could be decided"
            violations.append(
                _violation(
                    rule,
                    1,
                    f"{reason}; declare `safety-class: deployment|batch|read-only` "
                    "in the frontmatter (see `safety-lint classify --explain`)",
                )
            )
        if (
            selector.require_declaration
            and doc.target.kind != "document"
            and "safety-class" not in doc.frontmatter.data
        ):
            shown = f" (inferred: {classification.cls})" if classification.cls else ""
            violations.append(
                _violation(
                    _builtin(pack, "safety-class-required"),
                    max(doc.frontmatter.start_line, 1),
                    f"the configuration requires `safety-class` in the frontmatter{shown}; "
                    "`safety-lint classify --write` records the inferred classes",
                )
            )
        ctx = Context(doc, pack, doc.sections, classification.cls, classification)
        mentions = _mentions(doc)
        for rule in pack.rules:
            if rule.check == "builtin":
                continue
            where = applicable(rule, doc, classification.cls, mentions, checked_as)
            if where is None:
                continue
            if rule.check == "repository":
                if facts is None:
                    continue
                findings: list[Finding] | None = REPOSITORY[rule.options["check"]](rule, doc, facts)
            else:
                findings = REGISTRY[rule.check](rule, where, ctx)
            if findings is None:
                continue
            if not findings:
                met.append(rule.name)
            violations.extend(
                replace(
                    _violation(rule, f.line, f.message),
                    fixable=f.fixable,
                    end_line=_end_line(where, ctx, f.line),
                )
                for f in findings
            )
    elif doc.target.kind == "document" and doc.diagnostics[0].message == NOT_FOUND:
        # A missing core document fails the rules that apply to it, instead of an read error.
        missing = f"core document `{doc.target.rel}` is missing"
        violations = [
            _violation(rule, 1, missing)
            for rule in pack.rules
            if applicable(rule, doc, None, "") is not None and rule.check != "builtin"
        ] or [replace(v, message=missing) for v in violations]  # a team's own document
    if doc.readable and (doc.directives or "safety-lint" in doc.frontmatter.data):
        violations = _suppress(doc, violations, pack, selector)
    violations = [
        v
        if v.severity == (severity := selector.severity_of(rule))
        else replace(v, severity=severity)
        for v in violations
        if selector.wants(rule := _builtin(pack, v.requirement))
    ]
    violations.sort(key=lambda v: (v.line, v.column, v.rule))
    result = result_for(doc.target, doc.name, classification, violations, met)
    if (
        doc.target.kind == "document"
        and doc.diagnostics
        and doc.diagnostics[0].message == NOT_FOUND
    ):
        result.missing = True
    return result


def _suppress(
    doc: Document, violations: list[Violation], pack: RulePack, selector: Selector
) -> list[Violation]:
    """Drop suppressed violations; report malformed and unused suppressions."""
    found = suppress.collect(doc, pack, selector.require_reason, last_line=1 << 30)
    kept = suppress.apply(violations, found, pack)
    invalid, stale = _builtin(pack, "invalid-suppression"), _builtin(pack, "unused-suppression")
    kept += [_violation(invalid, line, message) for line, message in found.problems]
    wanted = {r.code for r in pack.rules if selector.wants(r)}
    kept += [
        _violation(stale, line, message)
        for line, message in suppress.unused(found)
        if message.split(" ", 1)[0] in wanted
    ]
    return kept


def result_for(
    target: Target,
    name: str,
    classification: Classification,
    violations: Sequence[Violation],
    met: list[str],
) -> FileResult:
    fatal = any(
        v.requirement in ("unreadable-file", "invalid-frontmatter", "internal-error")
        for v in violations
    )
    status: Status
    if fatal:
        status = "error"
    elif any(v.severity == "error" for v in violations):
        status = "fail"
    else:
        status = "pass"
    return FileResult(
        path=target.rel,
        kind=target.kind,
        name=name,
        cls=classification.cls,
        class_source=classification.source,
        evidence=[e.describe() for e in classification.evidence],
        status=status,
        met=sorted(met),
        violations=list(violations),
        plugin=target.plugin,
    )
