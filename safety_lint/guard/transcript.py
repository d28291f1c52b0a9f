"""Claude Code's session transcript (JSONL) as the turns the guard reads: what the assistant
said and asked, what the user answered, and the shell commands the assistant ran.

Only this session's main thread counts: lines of another `sessionId` (a resumed or earlier
session), subagent lines (`isSidechain`: their "user" turns are prompts the assistant wrote),
injected lines (`isMeta`, compaction summaries) and tool output other than answers to the
question tool are skipped. A line that is not JSON (a transcript being written) is skipped."""

from __future__ import annotations

import json

from ..lazyre import lazy
from ..record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

QUESTION_TOOL = "AskUserQuestion"
MAX_BYTES = 32 * 1024 * 1024  # only the end of a longer transcript is read
_PAIR = lazy(r'"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)"')
# Tags Claude Code wraps a slash command's name and arguments in (all of the same length).
_OPENING = ("<command-name>", "<command-args>")
_CLOSING = ("</command-name>", "</command-args>")
_ID_KEY = b'"tool_use_id"'
_SPACE = (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")  # JSON allows the first four


@record
class Turn:
    line: int  # 1-based line of the transcript
    role: str  # "user" or "assistant"
    text: str = ""  # prose: the user's message, the assistant's text blocks
    asked: tuple[tuple[str, tuple[str, ...]], ...] = ()  # question-tool calls: (id, questions)
    answers: tuple[tuple[str, str], ...] = ()  # answers to a question-tool call: (question, answer)
    answer_to: str = ""  # the question-tool call these answers belong to
    commands: tuple[str, ...] = ()  # Bash commands the assistant ran
    slash: bool = False  # the user started a slash command (text is its name and arguments)


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _answers(entry: dict[str, object], block: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """The question tool's answers: the structured `toolUseResult.answers`, else the text
    `"question"="answer", ...` of the tool result."""
    result = entry.get("toolUseResult")
    if isinstance(result, dict) and isinstance(result.get("answers"), dict):
        return tuple((str(q), str(a)) for q, a in result["answers"].items())
    text = _text_of(block.get("content"))
    return tuple((q.replace('\\"', '"'), a.replace('\\"', '"')) for q, a in _PAIR.findall(text))


def _command_tags(text: str) -> list[str]:
    """What the `<command-name>`/`<command-args>` tags of a user line hold, in order. String
    methods, not a pattern: each pattern is compiled again before every Bash call."""
    parts: list[str] = []
    at = 0
    while True:
        opened = [i for i in (text.find(tag, at) for tag in _OPENING) if i >= 0]
        if not opened:
            return parts
        start = min(opened) + len(_OPENING[0])
        closed = [i for i in (text.find(tag, start) for tag in _CLOSING) if i >= 0]
        if not closed:
            return parts
        end = min(closed)
        parts.append(text[start:end])
        at = end + len(_CLOSING[0])


def _after_space(raw: bytes, at: int) -> int:
    while raw[at : at + 1] in _SPACE:
        at += 1
    return at


def _tool_use_ids(raw: bytes) -> list[bytes]:
    """The `"tool_use_id": "..."` values of a raw JSON line (one with an escape is left out)."""
    ids: list[bytes] = []
    at = raw.find(_ID_KEY)
    while at >= 0:
        resume = at + len(_ID_KEY)
        value_at = _after_space(raw, resume)
        if raw[value_at : value_at + 1] == b":":
            value_at = _after_space(raw, value_at + 1)
            if raw[value_at : value_at + 1] == b'"':
                end = raw.find(b'"', value_at + 1)
                if end > value_at + 1 and b"\\" not in raw[value_at + 1 : end]:
                    ids.append(raw[value_at + 1 : end])
                    resume = end + 1
        at = raw.find(_ID_KEY, resume)
    return ids


def _user_turn(line: int, entry: dict[str, object], ask_ids: set[str]) -> Turn | None:
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        for block in content:
            if (
                isinstance(block, dict)
                and block.get("type") == "tool_result"
                and block.get("tool_use_id") in ask_ids
                and not block.get("is_error")
            ):
                tool_id = str(block["tool_use_id"])
                return Turn(line, "user", answers=_answers(entry, block), answer_to=tool_id)
        if any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
            return None  # output of a tool: not something the user said
    text = _text_of(content).strip()
    if not text or text.startswith("[Request interrupted"):
        return None
    if text.startswith("<"):
        parts = _command_tags(text)
        if parts:
            return Turn(line, "user", text=" ".join(p.strip() for p in parts), slash=True)
        return None  # local command output, bash-mode echo, reminders: not a reply
    return Turn(line, "user", text=text)


def _assistant_turn(line: int, entry: dict[str, object], ask_ids: set[str]) -> Turn | None:
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return Turn(line, "assistant", text=_text_of(content)) if content else None
    asked: list[tuple[str, tuple[str, ...]]] = []
    commands: list[str] = []
    for block in content:
        if not isinstance(block, dict) or block.get("type") != "tool_use":
            continue
        tool_input = block.get("input")
        tool_input = tool_input if isinstance(tool_input, dict) else {}
        if block.get("name") == QUESTION_TOOL:
            listed = tool_input.get("questions")
            texts = tuple(
                str(q.get("question", ""))
                for q in (listed if isinstance(listed, list) else [])
                if isinstance(q, dict)
            )
            tool_id = str(block.get("id", ""))
            ask_ids.add(tool_id)
            asked.append((tool_id, texts))
        elif block.get("name") == "Bash" and isinstance(tool_input.get("command"), str):
            commands.append(tool_input["command"])
    text = _text_of(content)
    if not text and not asked and not commands:
        return None
    return Turn(line, "assistant", text=text, asked=tuple(asked), commands=tuple(commands))


def _foreign_tool_output(raw: bytes, ask_ids: set[str]) -> bool:
    """A tool result of anything but the question tool, seen without parsing the line (most of
    a long transcript is tool output). Unsure: False, and the line is parsed."""
    if b"tool_result" not in raw:
        return False
    ids = _tool_use_ids(raw)
    return bool(ids) and not any(i.decode("utf-8", "replace") in ask_ids for i in ids)


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        start = max(0, size - MAX_BYTES)
        handle.seek(start)
        data = handle.read()
    lines = data.split(b"\n")
    if start:
        lines = lines[1:]  # a partial line; numbering below is relative to the part read
    for number, raw in enumerate(lines, 1):
        if raw.strip():
            yield number, raw


def read_turns(path: str, session_id: str) -> list[Turn]:
    """This session's turns in order. OSError if the transcript cannot be read."""
    turns: list[Turn] = []
    ask_ids: set[str] = set()
    # A cheap test before a line is parsed.
    marker = json.dumps(session_id, ensure_ascii=False).encode("utf-8")
    for number, raw in _lines(path):
        if marker not in raw or _foreign_tool_output(raw, ask_ids):
            continue
        try:
            entry = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if not isinstance(entry, dict) or entry.get("sessionId") != session_id:
            continue
        if entry.get("isSidechain") or entry.get("isMeta") or entry.get("isCompactSummary"):
            continue
        kind = entry.get("type")
        turn = None
        if kind == "user":
            turn = _user_turn(number, entry, ask_ids)
        elif kind == "assistant":
            turn = _assistant_turn(number, entry, ask_ids)
        if turn is not None:
            turns.append(turn)
    return turns
