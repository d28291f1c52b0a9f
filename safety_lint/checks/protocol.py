"""Kind `protocol`: the exact confirmation questions, in order (spec §5).

Unlike the statements, the questions are matched exactly (normalised text, the `PRODUCTION`
token case-sensitive). A question that is missing is looked for among the lines that nearly
say it (`'PROD'`, a changed word), and in code, comments and quotes, which do not count, so
the finding names the question and shows the line to correct.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from ..model import Block
from ..rulepack import Applies, Rule
from ..sections import find_section
from .base import CheckResult, Context, Finding, counting

_NEAR = 0.6  # similarity (0..1) above which a line is taken for a mistyped question


def _near_miss(question: str, blocks: list[Block]) -> tuple[int, str] | None:
    best: tuple[float, int, str] | None = None
    for b in blocks:
        for offset, line in enumerate(b.norm.splitlines() or [b.norm]):
            ratio = difflib.SequenceMatcher(None, question.lower(), line.lower()).ratio()
            if ratio >= _NEAR and (best is None or ratio > best[0]):
                best = (ratio, b.line + offset, line)
    return None if best is None else (best[1], best[2])


def _uncounted(search: Callable[[str], object], blocks: tuple[Block, ...]) -> Block | None:
    """A block that holds the question but does not count (code, comment, quote)."""
    for b in blocks:
        counts = b.type == "heading" or (b.type == "text" and b.counts)
        if not counts and search(b.norm if b.type == "text" else b.text):
            return b
    return None


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    assert where.section is not None
    spec = ctx.pack.sections[where.section]
    section = find_section(ctx.sections, spec)
    if section is None:
        return None
    blocks = counting(section.blocks)
    texts = [(b.line, b.norm) for b in blocks]
    # Where each question first appears, as (block index, offset) so order is comparable.
    found: list[tuple[int, int, int] | None] = []
    for pattern in rule.questions:
        hit = next(
            ((i, m.start(), line) for i, (line, t) in enumerate(texts) if (m := pattern.search(t))),
            None,
        )
        found.append(hit)
    n = len(rule.questions)
    missing = [i for i, hit in enumerate(found) if hit is None]
    if missing:
        at = section.line
        notes = []
        exact = {hit[2] for hit in found if hit is not None}
        candidates = [b for b in blocks if b.line not in exact]
        for i in missing:
            text = rule.question_texts[i]
            note = f'{i + 1}. "{text}"'
            near = _near_miss(text, candidates)
            hidden = _uncounted(rule.questions[i].search, section.blocks)
            if near is not None:
                note += f' (line {near[0]} has "{near[1]}", not worded exactly)'
                at = near[0] if at == section.line else at
            elif hidden is not None:
                where_text = "a code block" if hidden.type == "code" else "a comment or quote"
                note += f" (only in {where_text} at line {hidden.line}, which does not count)"
            notes.append(note)
        return [
            Finding(
                at,
                f"the `{spec.heading}` section lacks question(s) of the "
                f"{n}-question protocol, worded exactly: {'; '.join(notes)}",
            )
        ]
    for i in range(1, n):
        prev, cur = found[i - 1], found[i]
        assert prev is not None and cur is not None
        if cur[:2] < prev[:2]:
            return [
                Finding(
                    cur[2],
                    f'question {i + 1} ("{rule.question_texts[i]}") comes before '
                    f"question {i} (line {prev[2]}); ask them in order",
                )
            ]
    return []
