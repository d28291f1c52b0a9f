"""Rule documentation rendered from the rule pack (for `explain` and docs/rules.md)."""

from __future__ import annotations

from .rulepack import Rule, RulePack


def applies_text(rule: Rule) -> str:
    parts = []
    for a in rule.applies:
        what = f"{'/'.join(a.classes) + ' ' if a.classes else ''}{a.kind}s"
        if a.path:
            what = f"`{a.path}`"
        if a.section:
            what += f" (in the {a.section} section)"
        if a.when is not None:
            what += f" that {a.when_text}"
        parts.append(what)
    return "; ".join(parts)


def explain(rule: Rule, pack: RulePack) -> str:
    """Markdown documentation of one rule."""
    lines = [
        f"## {rule.code} {rule.name}",
        "",
        f"Severity: {rule.severity}. Applies to: {applies_text(rule)}.",
        "",
        f"**What it checks.** {rule.doc['what']}",
        "",
        f"**Why.** {rule.doc['why']}",
        "",
        f"**How to fix.** {rule.doc['fix']}",
    ]
    if rule.section:
        spec = pack.sections[rule.section]
        lines += ["", f"Required heading: `{'#' * spec.level} {spec.heading}`."]
    if rule.question_texts:
        lines += ["", "The questions, worded exactly and in this order:", ""]
        lines += [f"{i}. {q}" for i, q in enumerate(rule.question_texts, 1)]
    if "example" in rule.doc:
        lines += [
            "",
            "**Passing example.**",
            "",
            "```markdown",
            rule.doc["example"].rstrip("\n"),
            "```",
        ]
    return "\n".join(lines) + "\n"


def rules_table(pack: RulePack) -> str:
    width = max(len(r.name) for r in pack.rules)
    out = [f"{'code':<6} {'name':<{width}}  {'severity':<8} applies to"]
    for r in pack.rules:
        out.append(f"{r.code:<6} {r.name:<{width}}  {r.severity:<8} {applies_text(r)}")
    return "\n".join(out) + "\n"
