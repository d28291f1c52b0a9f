"""Kind `protocol`: the exact confirmation questions, in order (spec §5)."""

from __future__ import annotations

from ..rulepack import Applies, Rule
from ..sections import find_section
from .base import CheckResult, Context, Finding, counting


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    assert where.section is not None
    spec = ctx.pack.sections[where.section]
    section = find_section(ctx.sections, spec)
    if section is None:
        return None
    texts = [(b.line, b.norm) for b in counting(section.blocks)]
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
        names = "; ".join(f'{i + 1}. "{rule.question_texts[i]}"' for i in missing)
        return [
            Finding(
                section.line,
                f"the `{spec.heading}` section lacks question(s) of the "
                f"{n}-question protocol, worded exactly: {names}",
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
