"""Kinds `frontmatter-value` and `frontmatter-keys`: Claude Code settings in the frontmatter."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from ..kinds import table
from ..rulepack import Applies, Rule
from .base import CheckResult, Context, Finding


def _same(value: object, wanted: object) -> bool:
    if isinstance(wanted, bool):
        return value is wanted or str(value).strip().lower() == str(wanted).lower()
    return str(value).strip() == str(wanted)


def check_value(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    """A key must have a value (`equals`) or must not have one (`not-equals`)."""
    opts = rule.options
    key = str(opts["key"])
    fm = ctx.doc.frontmatter
    value = fm.data.get(key)
    line = fm.line_of(key) if key in fm.data else max(fm.end_line, 1)
    if "equals" in opts and (value is None or not _same(value, opts["equals"])):
        wanted = str(opts["equals"]).lower() if isinstance(opts["equals"], bool) else opts["equals"]
        got = "is not set" if value is None else f"is `{value}`"
        return [Finding(line, f"frontmatter `{key}` {got}; set `{key}: {wanted}`")]
    if "not-equals" in opts and value is not None and _same(value, opts["not-equals"]):
        return [Finding(line, f"frontmatter `{key}: {value}` is not allowed here")]
    return []


def check_keys(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    """Every frontmatter key is one Claude Code (or safety-lint) knows for this kind of file."""
    opts = rule.options
    kind = ctx.doc.target.kind
    spec = None
    if opts.get("keys-from") == "kinds":  # the kinds table's lists (rules/kinds.yaml)
        kinds = table(ctx.pack)
        spec = kinds.spec(kind)
        if spec is None or not spec.keys:
            return None
        known = list(spec.keys)
    else:
        known = [str(k) for k in opts["keys"][where.kind]]
    known += [str(k) for k in opts.get("also", [])]
    findings = []
    for key in ctx.doc.frontmatter.data:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        # Short: the source of the key list is said once, in `explain`.
        findings.append(
            Finding(
                ctx.doc.frontmatter.line_of(key),
                f"unknown {kind} frontmatter key `{key}`{hint}",
            )
        )
    if opts.get("keys-from") == "kinds" and spec is not None:
        findings += _values(ctx, spec.values)
    return findings


def _values(ctx: Context, values: Mapping[str, tuple[str, ...]]) -> list[Finding]:
    """A key whose values Claude Code lists (`permissionMode`) has one of them; Claude Code
    ignores another value, so `permissionMode: bypassPermision` is no setting at all."""
    findings = []
    for key, allowed in values.items():
        value = ctx.doc.frontmatter.data.get(key)
        if not isinstance(value, str) or value.strip() in allowed:
            continue
        close = difflib.get_close_matches(value.strip(), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        findings.append(
            Finding(
                ctx.doc.frontmatter.line_of(key),
                f"`{key}: {value.strip()}` is not a value Claude Code knows"
                f" ({', '.join(allowed)}){hint}",
            )
        )
    return findings
