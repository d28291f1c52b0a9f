"""Kind `allowed-tools`: a deployment or batch command or skill does not pre-approve the tool
that makes the change (spec §8 pre-approved-mutation). A shell pattern counts when its command
is a deployment command of the classifier's evidence, so the list of such commands is kept once
(rules/classification.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..classify import settings, tool_names
from ..rulepack import Applies, Rule, RulePack
from .base import CheckResult, Context, Finding


@lru_cache(maxsize=64)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


def _deploys(command: str, rule: Rule, pack: RulePack) -> bool:
    """Is a shell pattern's command (`kubectl apply:*`) one the classifier calls a change?"""
    wanted = set(rule.options.get("evidence", []))
    text = re.sub(r":?\s*\*\s*$", "", command).strip()
    return any(
        kind.id in wanted and kind.pattern.search(text)
        for kind in settings(pack).by_source.get("code", ())
    )


def mutating_tool(tool: str, rule: Rule, pack: RulePack) -> str | None:
    """Why a pre-approved tool can make the change, or None."""
    opts = rule.options
    if any(_pattern(p).search(tool) for p in opts.get("any-command", [])):
        return "runs any shell command without asking"
    shell = _pattern(opts.get("shell-tool", "$^")).match(tool)
    if shell and _deploys(shell.group(1), rule, pack):
        return "runs a deployment command without asking"
    if shell:
        inner = shell.group(1).strip()
        words = re.sub(r"\s*:?\s*\*\s*$", "", inner).split()
        clis = {str(c).lower() for c in opts.get("wildcard-clis", [])}
        if inner.endswith("*") and len(words) == 1 and words[0].lower() in clis:
            return f"runs every `{words[0]}` command without asking, its changes included"
    if _pattern(opts.get("mcp-server", "$^")).match(tool):
        return "pre-approves every tool of an MCP server, its writes included"
    if _pattern(opts.get("mcp-write", "$^")).match(tool):
        return "is an MCP tool that writes"
    return None


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    key = str(rule.options.get("key", "allowed-tools"))
    fm = ctx.doc.frontmatter
    tools = tool_names(fm.data.get(key))
    if not tools:
        return []
    findings = []
    for tool in tools:
        why = mutating_tool(tool, rule, ctx.pack)
        if why:
            findings.append(
                Finding(
                    fm.line_of(key),
                    f"`{key}` pre-approves `{tool}`, which {why}: no permission prompt stands "
                    "between the model and production except the protocol",
                )
            )
    return findings
