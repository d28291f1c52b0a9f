"""Rule documentation rendered from the rule pack (for `explain` and docs/rules.md)."""

from __future__ import annotations

import re

from .rulepack import Rule, RulePack


def applies_text(rule: Rule, pack: RulePack | None = None) -> str:
    from .kinds import table

    kinds = table(pack)
    parts = []
    for a in rule.applies:
        # A kind's rules apply to the kinds checked as it (skills are checked as commands).
        also = [
            k.name
            for k in kinds.kinds.values()
            if k.checked_as == a.kind and k.name not in (a.kind, *a.unless_kind)
        ]
        names = " and ".join(f"{k}s" for k in (a.kind, *also))
        what = f"{'/'.join(a.classes) + ' ' if a.classes else ''}{names}"
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
    from .fix import fixable as fix_of

    fixable = (
        "yes: `check --fix` inserts the missing section"
        if fix_of(rule, pack) is not None
        else "no, the author changes the text"
    )
    lines = [
        f"## {rule.code} {rule.name}",
        "",
        f"Severity: {rule.severity}. Applies to: {applies_text(rule, pack)}. Fixable: {fixable}.",
        "",
        f"**What it checks.** {rule.doc['what']}",
        "",
        f"**Why.** {rule.doc['why']}",
        "",
        f"**How to fix.** {rule.doc['fix']}",
    ]
    if "claude-code-version" in rule.options:
        lines += ["", f"Known keys: those of Claude Code {rule.options['claude-code-version']}."]
    elif rule.options.get("keys-from") == "kinds":
        from .kinds import table

        version = table(pack).documentation
        lines += ["", f"Known keys: those of Claude Code {version}, in the kinds table."]
    if rule.section:
        spec = pack.sections[rule.section]
        lines += ["", f"Required heading: `{'#' * spec.level} {spec.heading}`."]
    if rule.question_texts:
        lines += ["", "The questions, worded exactly and in this order:", ""]
        lines += [f"{i}. {q}" for i, q in enumerate(rule.question_texts, 1)]
    if rule.parts and rule.parts[0].concepts:
        lines += ["", *_judged(rule, pack)]
    for key, label in (("example", "Passing example"), ("failing", "Failing example")):
        if key in rule.doc:
            lines += ["", f"**{label}.**", "", "````markdown", rule.doc[key].rstrip("\n"), "````"]
    return "\n".join(lines) + "\n"


_MACRO = re.compile(r"\{([a-z][a-z0-9-]*)\}")


def _code(text: str) -> str:
    return f"``{text}``" if "`" in text else f"`{text}`"


def _judged(rule: Rule, pack: RulePack) -> list[str]:
    """How a statement rule is judged: its requirements, their concepts, the phrasings."""
    out = [
        "**How it is judged.** Each requirement below must be stated in one sentence or list "
        "item of the section (a list item is read with the line that introduces it and the "
        "items it is nested in), with every concept affirmed in its clause. A statement that "
        'holds them all but reverses one (a negation before it, "is not needed" after it, or '
        "one of its opposites) is reported as a contradiction. Phrasings are regular "
        "expressions on normalised text; `...` is a gap of a few words, `{name}` a word list.",
        "",
    ]
    names: list[str] = []
    for n, part in enumerate(rule.parts, 1):
        refs = ", ".join(
            f"*{pack.concepts[r.removeprefix('not ')]['means']}*"
            + (" (negated)" if r.startswith("not ") else "")
            for r in part.concepts
        )
        out.append(f"{n}. {part.label} — {refs}")
        for ref in part.concepts:
            name = ref.removeprefix("not ")
            concept = pack.concepts[name]
            phrases = " · ".join(_code(p) for p in concept["phrases"])
            out.append(f"   - `{name}` accepts: {phrases}")
            if concept["opposites"]:
                opposites = " · ".join(_code(p) for p in concept["opposites"])
                out.append(f"     and takes as the opposite: {opposites}")
            for p in [*concept["phrases"], *concept["opposites"]]:
                names += [m for m in _MACRO.findall(p) if m not in names]
    if names:
        out += [
            "",
            "Word lists: "
            + "; ".join(
                f"`{{{w}}}` = {', '.join(_code(x) for x in pack.words.get(w, []))}" for w in names
            )
            + ".",
        ]
    return out


def rules_markdown(pack: RulePack) -> str:
    """docs/rules.md: every rule's documentation, generated from the rule pack."""
    head = [
        "# safety-lint rules",
        "",
        "<!-- Generated from the rule pack (rules/*.yaml) by `python -m safety_lint.ruledoc`;",
        "     tests/test_docs.py keeps it in sync. Do not edit by hand. -->",
        "",
        "Every rule has a stable code, a name equal to the policy's requirement id, a severity,",
        "and the documentation below (`safety-lint explain RULE` prints the same text).",
        "",
        "| code | name | severity | applies to |",
        "| --- | --- | --- | --- |",
    ]
    for r in pack.rules:
        link = f"[{r.code}](#{r.code.lower()}-{r.name})"
        head.append(f"| {link} | {r.name} | {r.severity} | {applies_text(r, pack)} |")
    return "\n".join(head) + "\n\n" + "\n".join(explain(r, pack) for r in pack.rules)


if __name__ == "__main__":  # python -m safety_lint.ruledoc > docs/rules.md
    import sys

    from .rulepack import default_pack

    sys.stdout.write(rules_markdown(default_pack()))


def rules_table(pack: RulePack) -> str:
    width = max(len(r.name) for r in pack.rules)
    out = [f"{'code':<6} {'name':<{width}}  {'severity':<8} applies to"]
    for r in pack.rules:
        out.append(f"{r.code:<6} {r.name:<{width}}  {r.severity:<8} {applies_text(r, pack)}")
    return "\n".join(out) + "\n"
