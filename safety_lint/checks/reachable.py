"""Kind `confirmation-reachable`: the confirmation protocol of a deployment or batch command or
skill can be put to a person where it runs (spec §8 confirmation-unreachable): not in a forked
context (`context: fork` runs it in a subagent, which cannot ask the user), not with the
question tool disallowed, and no more questions in one ask than the question tool takes."""

from __future__ import annotations

import re

from ..classify import tool_names
from ..model import Block
from ..rulepack import Applies, Rule
from ..sections import find_section
from .base import CheckResult, Context, Finding


def _asks(
    blocks: tuple[Block, ...], question: re.Pattern[str], code_question: re.Pattern[str]
) -> list[tuple[int, int]]:
    """Each ask of a protocol section as (line, number of questions): one list of questions
    (consecutive list items), or one code block of the question tool's `question:` entries."""
    asks: list[tuple[int, int]] = []
    start, count = 0, 0
    for block in blocks:
        if block.type == "text" and block.counts and block.in_list:
            if question.search(block.norm):
                start, count = (start or block.line), count + 1
            continue
        if count:
            asks.append((start, count))
        start, count = 0, 0
        if block.type == "code":
            n = sum(1 for ln in block.text.splitlines() if code_question.search(ln))
            if n:
                asks.append((block.line, n))
    if count:
        asks.append((start, count))
    return asks


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    opts = rule.options
    fm = ctx.doc.frontmatter
    findings = []
    fork_key = str(opts.get("fork-key", "context"))
    fork = fm.data.get(fork_key)
    if isinstance(fork, str) and fork.strip().lower() == str(opts.get("fork-value", "fork")):
        findings.append(
            Finding(
                fm.line_of(fork_key),
                f"`{fork_key}: {fork.strip()}` runs this file in a subagent, which cannot ask the "
                "user: the confirmation protocol is never put to a person",
            )
        )
    tool = str(opts.get("question-tool", "AskUserQuestion"))
    for key in opts.get("disallowed-keys", []):
        names = tool_names(fm.data.get(key)) or []
        if any(n.split("(", 1)[0] == tool for n in names):
            findings.append(
                Finding(
                    fm.line_of(key),
                    f"`{key}` takes away `{tool}`: the model cannot put the confirmation "
                    "questions to the user",
                )
            )
    limit = int(opts.get("max-questions", 4))
    question = re.compile(str(opts.get("question", r"\?\s*$")), re.IGNORECASE | re.MULTILINE)
    code_question = re.compile(str(opts.get("code-question", "$^")), re.IGNORECASE)
    for sid in opts.get("sections", []):
        section = find_section(ctx.sections, ctx.pack.sections[sid])
        if section is None:
            continue
        for line, count in _asks(section.blocks, question, code_question):
            if count > limit:
                findings.append(
                    Finding(
                        line,
                        f"{count} questions in one ask; Claude Code's `{tool}` takes one to "
                        f"{limit}: split the protocol into several asks",
                    )
                )
    return findings
