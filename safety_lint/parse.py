"""Read a file into a Document: decoded text, frontmatter, and the block structure of its body.

Line numbers always refer to the ORIGINAL file: we split the frontmatter ourselves instead of
letting a frontmatter library strip and renumber the body (README, design notes).

Frontmatter is read the way Claude Code reads it: strict YAML; where that fails, a `key: value`
line whose value is not YAML on its own is read as text (`argument-hint: [pr] [priority]`,
`description: Use for: reviews`, `tools: *`); a text key written as a flow list of words
(`argument-hint: [message]`) is the text of its line. Only what even that cannot read is a
`frontmatter-yaml` warning: Claude Code would drop that frontmatter.
"""

from __future__ import annotations

import codecs
import json
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from markdown_it import MarkdownIt

from .fsutil import FileProblem, read_bytes
from .model import Block, Diagnostic, Document, Frontmatter, Target
from .suppress import scan_directives

_FENCE_OPEN = re.compile(r"^---[ \t]*$")
_FENCE_CLOSE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_KEY_LINE = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
NOT_FOUND = "file not found"
_NO_OPENING_SCAN = 30  # lines searched for a frontmatter block that lacks its opening '---'


@lru_cache(maxsize=1)
def _safe_yaml() -> Any:
    """The safe loader: plain data only, never a Python object (C-accelerated when available)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # The rules need block structure and raw inline text only: skipping inline parsing keeps
    # large files cheap (emphasis bombs cost nothing) and normalisation works on the raw text.
    md = MarkdownIt("commonmark").enable("table")
    md.disable("inline")
    return md


class UnreadableFile(Exception):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is unreadable."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise UnreadableFile(f"invalid UTF-16: {err.reason}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UnreadableFile(
            f"not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})", line
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        raise UnreadableFile("binary file (contains NUL bytes)", text.count("\n", 0, nul) + 1)
    return text


def split_lines(text: str) -> list[str]:
    """Lines the way CommonMark counts them: CRLF, CR and LF all end a line."""
    return re.sub(r"\r\n?", "\n", text).split("\n")


def _yaml_problem(err: Exception) -> tuple[str, int | None]:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return str(problem).strip(), (mark.line if mark is not None else None)


def load_yaml_mapping(source: str) -> tuple[Any, str | None, int | None]:
    """Safe-load YAML. Returns (data, problem, 0-based line of the problem)."""
    from ruamel.yaml.error import YAMLError

    from . import safeyaml

    yaml = _safe_yaml()
    try:
        return safeyaml.load(yaml, source), None, None
    except safeyaml.YamlLimit as err:
        return None, str(err), err.line
    except YAMLError as err:
        problem, line = _yaml_problem(err)
        return None, problem, line
    except (ValueError, TypeError, RecursionError) as err:  # odd scalars, deep nesting
        return None, f"{type(err).__name__}: {err}", None
    finally:
        # ruamel.yaml keeps a DocInfo per document a YAML object loaded: memory per file.
        infos = getattr(yaml, "doc_infos", None)
        if isinstance(infos, list):
            infos.clear()


def _lenient(lines: list[str]) -> dict[str, object] | None:
    """Read frontmatter the way Claude Code tolerates it: `key: value` lines, `- item` lists
    and indented continuation lines. None when nothing in it reads as a key."""
    data: dict[str, object] = {}
    key: str | None = None
    for raw in lines:
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEY_LINE.match(raw)
        if match and not raw[0].isspace():
            key, value = match.group(1), (match.group(2) or "")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            data[key] = value
        elif key is not None and stripped.startswith("- "):
            current = data.get(key)
            items = current if isinstance(current, list) else ([current] if current else [])
            items.append(stripped[2:].strip())
            data[key] = items
        elif key is not None and isinstance(data.get(key), str):
            data[key] = f"{data[key]} {stripped}".strip()
    return data or None


# Keys whose value Claude Code reads as text, or as text or a list.
_TEXT_KEYS = ("name", "description", "argument-hint", "model", "permissionMode", "safety-class")
_LIST_KEYS = ("tools", "allowed-tools", "disallowedTools")


def _check_types(fm: Frontmatter, diagnostics: list[Diagnostic]) -> None:
    """A wrongly typed value (`tools: 42`, `name: 12`) is reported; the file is still linted."""
    for key, value in fm.data.items():
        if key in _TEXT_KEYS and value is not None and not isinstance(value, str):
            wanted = "text"
        elif key in _LIST_KEYS and value is not None and not isinstance(value, (str, list)):
            wanted = "text or a list"
        else:
            continue
        diagnostics.append(
            Diagnostic(
                "frontmatter-yaml",
                f"frontmatter `{key}` is {type(value).__name__} `{value}`;"
                f" Claude Code expects {wanted}",
                fm.line_of(key),
                fatal=False,
            )
        )


def _quote_loose_values(block: list[str]) -> list[str]:
    """Each top-level `key: value` line whose value is not YAML by itself, with the value
    quoted: how Claude Code reads such a line (as text). Other lines are kept."""
    out = []
    for raw in block:
        match = None if raw[:1].isspace() else _KEY_LINE.match(raw)
        if match is not None and match.group(2):
            key, value = match.group(1), match.group(2)
            # A quoted, block or tagged (`!!python/...`) value is meant as YAML: not loose text.
            loose = value[0] not in "'\"|>!" and load_yaml_mapping(f"k: {value}")[1] is not None
            if loose:
                raw = f"{key}: {json.dumps(value, ensure_ascii=False)}"
        out.append(raw)
    return out


def _text_as_written(fm: Frontmatter, block: list[str], start: int) -> None:
    """A text key written as a one-line flow list of plain words (`argument-hint: [message]`)
    reads, for Claude Code, as the words it shows: keep the line's text."""
    for key in _TEXT_KEYS:
        value = fm.data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            continue
        line = fm.key_lines.get(key)
        match = _KEY_LINE.match(block[line - start - 1]) if line else None
        if match and match.group(2):
            fm.data[key] = match.group(2)


def _frontmatter(lines: list[str], diagnostics: list[Diagnostic]) -> tuple[Frontmatter, int]:
    """Find and read the frontmatter. Returns it and the 0-based index of the first body line."""
    opening = 0
    if lines and _FENCE_OPEN.match(lines[0]):
        start = 1
    else:
        # Some real files lack the opening '---': key lines, then a closing '---'.
        start = 0
        for i, line in enumerate(lines[:_NO_OPENING_SCAN]):
            if _FENCE_OPEN.match(line):
                head = [x for x in lines[:i] if x.strip()]
                if (
                    i
                    and head
                    and _KEY_LINE.match(head[0])
                    and all(_KEY_LINE.match(x) or x[:1].isspace() for x in head)
                ):
                    opening = -1
                break
        if opening == 0:
            return Frontmatter({}, 0, 0), 0
    end = next((i for i in range(start, len(lines)) if _FENCE_CLOSE.match(lines[i])), None)
    if end is None:
        diagnostics.append(
            Diagnostic("invalid-frontmatter", "frontmatter opened here is never closed")
        )
        return Frontmatter({}, 1, 0), len(lines)
    if opening == -1:
        diagnostics.append(
            Diagnostic(
                "frontmatter-yaml",
                "frontmatter lacks its opening '---' line; read it anyway",
                1,
                fatal=False,
            )
        )
    block = lines[start:end]
    fm = Frontmatter({}, start, end + 1)
    for i, raw in enumerate(block):
        key_match = _KEY_LINE.match(raw)
        if key_match:
            fm.key_lines.setdefault(key_match.group(1), start + i + 1)
    data, problem, problem_line = load_yaml_mapping("\n".join(block))
    if problem is not None:
        retry, again, _ = load_yaml_mapping("\n".join(_quote_loose_values(block)))
        if again is None and isinstance(retry, dict):
            data, problem = retry, None
    if problem is None and (data is None or isinstance(data, dict)):
        fm.data = {str(k): v for k, v in (data or {}).items()}
        _text_as_written(fm, block, start)
        _check_types(fm, diagnostics)
        return fm, end + 1
    if problem is None:
        problem = f"frontmatter is a {type(data).__name__}, not a mapping of keys"
    where = start + (problem_line or 0) + 1
    lenient = _lenient(block)
    if lenient is None:
        diagnostics.append(
            Diagnostic("invalid-frontmatter", f"unreadable frontmatter: {problem}", where)
        )
        return fm, end + 1
    fm.data, fm.lenient = lenient, True
    diagnostics.append(
        Diagnostic(
            "frontmatter-yaml",
            f"frontmatter is not valid YAML ({problem}); read leniently as key: value lines",
            where,
            fatal=False,
        )
    )
    return fm, end + 1


def parse_blocks(body: str, first_line: int) -> list[Block]:
    """Flatten markdown-it's block tokens into Blocks with original-file line numbers."""
    blocks: list[Block] = []
    quote_depth = 0
    list_depth = 0
    heading_level = 0
    for tok in _markdown().parse(body):
        if tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif tok.type == "heading_open":
            heading_level = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading_level = 0
        if tok.map is None:
            continue
        line, end = first_line + tok.map[0], first_line + tok.map[1] - 1
        counts = quote_depth == 0
        if tok.type == "inline":
            text = _HTML_COMMENT.sub("", tok.content)
            if heading_level:
                blocks.append(Block("heading", line, end, text, counts, heading_level))
            else:
                blocks.append(
                    Block("text", line, end, text, counts, in_list=list_depth > 0, depth=list_depth)
                )
        elif tok.type in ("fence", "code_block"):
            blocks.append(
                Block(
                    "code", line, end, tok.content, False, info=tok.info.strip(), depth=list_depth
                )
            )
        elif tok.type == "html_block":
            blocks.append(Block("html", line, end, tok.content, False))
    return blocks


def display_name(target: Target, fm: Frontmatter, blocks: list[Block]) -> str:
    """The name Claude Code gives the file, by its kind's naming in the kinds table: the first
    source that gives one (a frontmatter key, the file stem, the skill folder, the title)."""
    from .kinds import table

    spec = table().spec(target.kind)
    path = PurePosixPath(target.rel)
    sources = spec.name_from if spec else ("stem",)
    name = ""
    for source in sources:
        if source.startswith("frontmatter:"):
            value = fm.data.get(source.split(":", 1)[1])
            name = value.strip() if isinstance(value, str) else ""
        elif source == "stem":
            name = target.name or path.stem
        elif source == "folder":
            name = target.name or path.parent.name
        elif source == "title":
            h1 = next(
                (b.text for b in blocks if b.type == "heading" and b.level == 1 and b.counts), None
            )
            name = h1.strip() if h1 else ""
        elif source == "path":
            name = target.rel
        if name:
            break
    if not spec or spec.checked_as == "document":
        return name or target.rel
    if target.plugin:
        return spec.plugin_form.format(plugin=target.plugin, name=name)
    return spec.prefix + name


def parse_text(target: Target, text: str) -> Document:
    diagnostics: list[Diagnostic] = []
    lines = split_lines(text)
    fm, body_index = _frontmatter(lines, diagnostics)
    if any(d.fatal for d in diagnostics):
        return Document(target, fm, [], body_index + 1, target.rel, diagnostics)
    blocks = parse_blocks("\n".join(lines[body_index:]), body_index + 1)
    doc = Document(
        target, fm, blocks, body_index + 1, display_name(target, fm, blocks), diagnostics
    )
    if "safety-lint-" in text:
        doc.directives = scan_directives(lines, blocks)
    return doc


def unreadable(target: Target, message: str, line: int = 1) -> Document:
    return Document(
        target,
        Frontmatter({}, 0, 0),
        [],
        1,
        target.rel,
        [Diagnostic("unreadable-file", message, line)],
    )


def parse_file(target: Target, max_bytes: int, root: Path | None = None) -> Document:
    """Read and parse one file; every failure becomes a diagnostic, never an exception. With
    `root`, a file reached through a symlink that leaves it is not read."""
    try:
        data = read_bytes(target.path, max_bytes, root)
    except FileProblem as err:
        return unreadable(target, str(err))
    except FileNotFoundError:
        return unreadable(target, NOT_FOUND)
    except IsADirectoryError:
        return unreadable(target, "is a directory, not a file")
    except OSError as err:
        return unreadable(target, f"cannot read file: {err.strerror or err}")
    try:
        text = decode(data)
    except UnreadableFile as err:
        return unreadable(target, str(err), err.line)
    return parse_text(target, text)
