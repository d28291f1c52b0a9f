"""What a file says, cut into sources for the layers: each piece of text with its kind, line,
path and the modality its place in the file gives it (see `modality`).

The classifier's input is a plain list of `Source`s, so other inputs (a skill's bundled
scripts) join by adding sources with their own path; nothing below needs a Markdown file.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence

from . import modality
from .model import Block, Document, Section
from .record import record

FRONTMATTER_SOURCES = ("argument-hint", "description")
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_LONE_TICK = re.compile(r"(?<!`)`(?!`)([^`\n]+)$", re.M)  # a final unclosed span, to its line end
_QUOTED = re.compile(r'"[^"]{3,}"')
_LABEL = re.compile(r"^[\w /*-]{1,30}:\s*$")
_NUMBERED = re.compile(r"\d+\.\s")
_EXAMPLES = re.compile(r"<example>.*?(?:</example>|$)", re.S | re.I)


@record
class Source:
    """A piece of text the layers look for actions in.

    kind: description | argument-hint | text | step | code | inline | script (a bundled
    script file: all of it runs). `modality` is the one its place gives it; a match inside a
    `text`, `step` or `inline` source can still be narrowed by the words before it."""

    kind: str
    line: int  # line of the first character of `text`
    text: str
    modality: str = "instructed"
    path: str = ""  # "" for the file itself
    typed: bool = True  # a code block whose fence names a shell (not an unlabelled fence)


@record
class Runnable:
    """Which code blocks are commands to run, and which are a file the model writes."""

    languages: frozenset[str]
    artifact_start: re.Pattern[str]
    artifact_lead: re.Pattern[str]
    run_lead: re.Pattern[str]


def runnable(block: Block, lead: str, r: Runnable) -> bool:
    """Is a code block a command to run, rather than a file the model writes?"""
    lang = block.info.split(maxsplit=1)[0].strip("{}.").lower() if block.info.strip() else ""
    if lang not in r.languages:
        return False
    first = next((ln.strip() for ln in block.text.splitlines() if ln.strip()), "")
    if r.artifact_start.search(first):
        return False
    return not r.artifact_lead.search(lead) or bool(r.run_lead.search(lead))


def commands_only(code: str) -> str:
    """Comment lines blanked and `\\` continuation lines joined, the line count kept (evidence
    lines stay right): `npx tool deploy \\` + `  --all` is one command."""
    out: list[str] = []
    pending: list[str] = []
    for ln in code.split("\n"):
        if ln.lstrip().startswith(("#", "//", "REM ", "::")):
            ln = ""
        if ln.rstrip().endswith("\\"):
            pending.append(ln.rstrip()[:-1])
            continue
        if pending:
            out.append(" ".join([*pending, ln]))
            out.extend([""] * len(pending))
            pending = []
        else:
            out.append(ln)
    if pending:
        out.append(" ".join(pending))
        out.extend([""] * (len(pending) - 1))
    return "\n".join(out)


def _artifact_captions(blocks: Sequence[Block], r: Runnable) -> set[int]:
    """Paragraphs that introduce a file the model writes ("Deploy the monitoring stack with
    Terraform:" over an HCL block): they describe the file, they are not a step."""
    out: set[int] = set()
    for i, block in enumerate(blocks):
        if block.type != "text" or block.in_list or not block.text.rstrip().endswith(":"):
            continue
        for later in blocks[i + 1 : i + 4]:
            if later.type == "code":
                if not runnable(later, block.norm, r):
                    out.add(id(block))
                break
            if later.type != "text" or len(later.text.split()) > 6:
                break
    return out


def unquoted(text: str) -> str:
    """A quotation inside a sentence is someone else's words ("How would you validate this in
    production?"), not an instruction. A text that is a quotation, or a labelled one
    (`Input: "Deploy the app to GCS"`), is an example request the model handles: kept."""

    def drop(m: re.Match[str]) -> str:
        before = text[: m.start()]
        if m.group(0).endswith('?"'):
            return " "
        if (not before.strip() or _LABEL.match(before)) and not text[m.end() :].strip():
            return m.group(0)
        return " "

    return _QUOTED.sub(drop, text) if '"' in text else text


def frontmatter_sources(doc: Document) -> Iterator[Source]:
    """The frontmatter values that say what the file does or accepts. The `<example>` dialogues
    of an agent's description are requests that would start it, not what it does."""
    for key in FRONTMATTER_SOURCES:
        value = doc.frontmatter.data.get(key)
        if isinstance(value, str):
            yield Source(key, doc.frontmatter.line_of(key), _EXAMPLES.sub(" ", value))


def body_sources(
    doc: Document,
    r: Runnable,
    scope: modality.Scope,
    skip_sections: Sequence[Section],
    texts: Mapping[int, str],
    parameters: re.Pattern[str] | None = None,
) -> Iterator[Source]:
    """Every text, step, code block and inline code span of the body, with the modality its
    place gives it. `skip_sections`: the safety sections (they talk about production by
    design); `texts`: each counting block's normalised text; `parameters`: headings whose
    sections describe options, not steps (their text is `described`)."""
    skip: set[int] = set()
    for section in skip_sections:
        skip.update(id(b) for b in (section.heading, *section.blocks))
    captions = _artifact_captions(doc.blocks, r)
    headings: list[tuple[int, str]] = []  # open headings: (level, modality they give)
    lead = ""  # the paragraph or heading a list hangs from
    previous = ""  # the text right before a code block
    for block in doc.blocks:
        if id(block) in skip:
            continue
        if block.type == "heading":
            if block.counts:
                text = texts[id(block)]
                while headings and headings[-1][0] >= block.level:
                    headings.pop()
                given = modality.heading(text, scope)
                if given == "instructed" and parameters is not None and parameters.search(text):
                    given = "parameters"  # described, and a parameter of the command
                headings.append((block.level, given))
                lead = previous = text
                yield Source("heading", block.line, text, given)
            continue
        under = next((m for _, m in headings if m != "instructed"), "instructed")
        in_parameters = under == "parameters"
        if in_parameters:
            under = "described"
        if block.type == "code":
            given = under if under != "instructed" else modality.lead(previous, scope)
            if given == "instructed" and not runnable(block, previous, r):
                lang = block.info.split(maxsplit=1)[0].strip("{}.").lower() if block.info else ""
                if lang in ("text", "txt", "plain"):  # tool calls written out: `skill_run(...)`
                    yield Source("calls", block.line + 1, block.text, given)
                    continue
                if lang not in r.languages:
                    continue  # source code, data, output: no commands to look for
                given = "generated-file"
            typed = bool(block.info.strip())
            yield Source("code", block.line + 1, commands_only(block.text), given, "", typed)
        elif block.type == "text" and block.counts:
            text = texts[id(block)]
            previous = text
            if not block.in_list:
                lead = text
            given = under
            if given == "instructed" and block.in_list:
                given = modality.lead(lead, scope)
            if given == "instructed" and (scope.others_line.match(text) or id(block) in captions):
                given = "described"
            said = unquoted(text)
            if in_parameters:
                yield Source("parameter", block.line, said)
            yield Source("text", block.line, said, given)
            if block.in_list or _NUMBERED.match(block.text):
                yield Source("step", block.line, said, given)
            if "`" not in block.text:
                continue
            ends = modality.sentence_ends(block.text)
            newlines = [i for i, ch in enumerate(block.text) if ch == "\n"]
            matches = list(_INLINE_CODE.finditer(block.text))
            spans = [(m.start(), m.start(2), m.group(2)) for m in matches]
            # A span a blank line cut off (its closing backtick is in the next paragraph) is
            # still code: from the lone backtick to the end of its line.
            lone = _LONE_TICK.search(block.text, matches[-1].end() if matches else 0)
            if lone is not None and "`" not in block.text[lone.end() :]:
                spans.append((lone.start(), lone.start(1), lone.group(1)))
            for start, at, code in spans:
                here = given
                if here == "instructed":
                    here = modality.at(block.text, start, scope, ends)
                line = block.line + bisect_right(newlines, at)
                yield Source("inline", line, code.strip(), here)
