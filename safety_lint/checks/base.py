"""What every kind of check receives and returns."""

from __future__ import annotations

from ..model import Block, Classification, Document, Section
from ..record import record
from ..rulepack import RulePack


@record
class Context:
    """One file, parsed once, as the checks see it."""

    doc: Document
    pack: RulePack
    sections: tuple[Section, ...]
    cls: str | None
    classification: Classification | None = None

    def title_line(self) -> int:
        """Where a missing section is reported: the title, else the first line of the body."""
        title = next((b for b in self.doc.blocks if b.type == "heading" and b.counts), None)
        return title.line if title else self.doc.body_start


@record
class Finding:
    """A rule not met: where, and what to tell the author."""

    line: int
    message: str
    fixable: bool = False  # the fix is inserting the missing section


def counting(blocks: tuple[Block, ...] | list[Block], include_code: bool = False) -> list[Block]:
    """Blocks whose text counts: not in code, HTML comments or quotes (code only when asked)."""
    return [
        b for b in blocks if (b.type == "text" and b.counts) or (include_code and b.type == "code")
    ]


# A check returns None when it does not apply to this file after all (its section is missing,
# so the section rule speaks for it), [] when the rule is met, or the findings.
CheckResult = list[Finding] | None
