"""The units a statement is looked for in: each sentence of a paragraph, each list item with
the line that introduces its list and the items it is nested in, each table row with its
column headers. Headings, quotes, comments and the questions put to the user are not units."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import Block
from .record import record
from .text import normalize

MAX_UNIT = 600  # characters of one sentence or item that are read: bounds every phrase's cost
MAX_UNITS = 300  # units of one section that are read; no safety section comes near it
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[*_`'\")\]]*\s+(?=[*_`'\"(\[]*[A-Z0-9])"
    r"|\n(?=[ \t]*(?:\*\*|__|[\u2705\u274c\u26a0\U0001f6ab]))"
)


_QUESTION = re.compile(r"(\?|\(y/n\))\s*$", re.IGNORECASE)
_WORD = re.compile(r"[\w'-]+")


@record
class Unit:
    line: int
    text: str  # normalised
    context: tuple[str, ...]  # what it sits under: the lead-in line and the parent items


def _sentences(block: Block) -> list[tuple[int, str]]:
    raw, out, start = block.text, [], 0
    for m in [*_SENTENCE_END.finditer(raw), None]:
        end = m.start() if m else len(raw)
        piece = normalize(raw[start:end])
        if piece:
            out.append((block.line + raw.count("\n", 0, start), piece[:MAX_UNIT]))
        if m:
            start = m.end()
    return out


def _rows(blocks: Sequence[Block]) -> list[Block]:
    """Table cells (text blocks on one line, outside lists) become one block per row, each
    cell read with its column's header: "Environment: --environment=prod; Risk: HIGH RISK"."""
    out: list[Block] = []
    header: list[str] = []
    last = 0
    i = 0
    while i < len(blocks):
        b = blocks[i]
        j = i
        while (
            j + 1 < len(blocks)
            and blocks[j + 1].type == "text"
            and b.type == "text"
            and not b.in_list
            and not blocks[j + 1].in_list
            and blocks[j + 1].line == b.line
        ):
            j += 1
        if j == i:
            out.append(b)
            i += 1
            continue
        cells = [c.norm for c in blocks[i : j + 1]]
        if not header or len(header) != len(cells) or b.line > last + 2:
            header = cells  # the first row of a table names its columns
        else:
            named = "; ".join(f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=True))
            out.append(Block("text", b.line, b.line, named, b.counts))
        last = b.line
        i = j + 1
    return out


def units(blocks: Sequence[Block], include_code: bool = False) -> list[Unit]:
    """Each paragraph sentence, each list item (with its lead-in and parent items as context),
    each table row and, when asked, each code block. Headings, quotes and comments are never
    units."""
    out: list[Unit] = []
    lead = ""
    # The questions put to the user ("Have you validated this in TEST? (y/n)") state nothing.
    parents: dict[int, str] = {}
    for b in _rows(blocks):
        if b.type == "heading":
            if b.counts:  # a heading is not a statement, nor the lead-in of one
                lead, parents = "", {}
            continue
        chain = [parents[d] for d in sorted(parents) if d < b.depth]
        above = tuple(t for t in (lead, *chain) if t)
        if b.type == "code":
            if include_code:
                out.append(Unit(b.line, b.text[:MAX_UNIT], above))
            continue
        if b.type != "text" or not b.counts:
            continue
        if b.in_list:
            text = b.norm[:MAX_UNIT]
            parents = {d: t for d, t in parents.items() if d < b.depth}
            parents[b.depth] = text
            if not _QUESTION.search(text):
                out.append(Unit(b.line, text, above))
            continue
        parents = {}
        found = _sentences(b)
        for n, (line, text) in enumerate(found):
            # A label of a few words ("No exceptions.") introduces the sentence after it.
            label = found[n - 1][1] if n and len(_WORD.findall(found[n - 1][1])) <= 3 else ""
            if not _QUESTION.search(text):
                out.append(Unit(line, text, (label,) if label else ()))
        lead = found[-1][1] if found and found[-1][1].endswith(":") else ""
    return out[:MAX_UNITS]
