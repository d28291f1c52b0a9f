"""Was the protocol put to the user and answered by the user, for this target, since the
target last changed? A pure function over the session's turns.

The assistant puts questions in its text or through the question tool; the user answers in a
reply (one answer per pending question: `yes`, `y`, `PRODUCTION`, one per line or separated by
commas) or through the tool. Answers accepted in protocol order make an attempt; any other
answer (`no`, `PROD`, a reply that does not answer) ends it. A completed attempt is a
confirmation for the target the conversation was on; a later turn that names only other
environments ends every confirmation that does not cover it."""

from __future__ import annotations

from ..record import record
from . import protocol as p
from .targets import PRODUCTION, Key, covers, mentions, touches
from .transcript import Turn

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    # Target evidence of a shell command the assistant ran (the action layer's targets).
    CommandTargets = Callable[[str], set[Key]]

_NEXT = {
    (): (p.VALIDATED,),
    (p.VALIDATED,): (p.AFFECTS,),
    (p.VALIDATED, p.AFFECTS): (p.IMPACT, p.TOKEN),
}
_NEXT[(p.VALIDATED, p.AFFECTS, p.IMPACT)] = (p.TOKEN,)


@record
class Confirmation:
    batch: bool
    targets: frozenset[Key]
    asked_line: int
    answered_line: int
    answers: tuple[str, ...]

    def where(self) -> str:
        return (
            f"transcript line {self.asked_line} (questions) and line {self.answered_line} "
            f"(the user's answers: {' / '.join(self.answers)})"
        )


class _State:
    """Where the reading of the turns is."""

    def __init__(self, patterns: Sequence[str], command_targets: CommandTargets) -> None:
        self.patterns = patterns
        self.command_targets = command_targets
        self.current: frozenset[Key] = frozenset()
        # Commands the assistant ran since the conversation last named a target, analysed
        # only when it matters (a confirmation to end, an attempt to date): analysing every
        # command of a long session would cost more than the rest of the decision.
        self.unread: list[tuple[int, str]] = []
        self.pending: list[str] = []  # asked in prose, not yet answered
        self.tool_questions: dict[str, list[tuple[str, str]]] = {}
        self.progress: list[tuple[str, str]] = []  # (question id, answer)
        self.asked_line = 0
        self.attempt_targets: frozenset[Key] = frozenset()
        self.confirmations: list[Confirmation] = []
        self.notes: list[str] = []  # why earlier answers do not count

    def read_commands(self) -> None:
        unread, self.unread = self.unread, []
        for line, command in unread:
            self.moved(line, self.command_targets(command))

    def ran(self, line: int, command: str) -> None:
        self.unread.append((line, command))
        if self.confirmations:
            self.read_commands()

    def start(self, line: int, ids: list[str], targets: set[Key]) -> None:
        self.read_commands()
        if ids and ids[0] == p.VALIDATED:
            self.progress, self.pending = [], []
        if not self.progress and not self.pending:
            self.asked_line = line
            self.attempt_targets = frozenset(targets) or self.current
        elif targets:
            self.attempt_targets = frozenset(targets)

    def fail(self, line: int, qid: str, answer: str) -> None:
        text = p.questions()[qid].text
        self.notes.append(f"line {line}: the answer to '{text}' was '{answer[:40]}'")
        self.progress, self.pending = [], []

    def answer(self, line: int, pairs: list[tuple[str, str]]) -> None:
        for qid, answer in pairs:
            expected = _NEXT.get(tuple(q for q, _ in self.progress), ())
            if qid not in expected or not p.accepted(qid, answer):
                self.fail(line, qid, answer)
                return
            self.progress.append((qid, answer.strip()))
        done = tuple(q for q, _ in self.progress)
        if done in (p.STANDARD, p.BATCH):
            targets = self.attempt_targets or frozenset({frozenset({PRODUCTION})})
            self.confirmations.append(
                Confirmation(
                    done == p.BATCH,
                    targets,
                    self.asked_line,
                    line,
                    tuple(a for _, a in self.progress),
                )
            )
            self.progress, self.pending = [], []

    def moved(self, line: int, targets: set[Key]) -> None:
        """The conversation names these environments: it is on them now."""
        if not targets:
            return
        self.unread = []  # older commands cannot change where the conversation is now
        self.current = frozenset(targets)
        kept = [c for c in self.confirmations if touches(c.targets, targets)]
        if len(kept) < len(self.confirmations):
            self.notes.append(f"line {line}: the target changed after the last confirmation")
        self.confirmations = kept


def _assistant(s: _State, turn: Turn) -> None:
    if p.may_ask(turn.text):
        found = p.asked(turn.text)
        ids = [qid for qid, _, _ in found]
        named = mentions(p.without_questions(turn.text, found), s.patterns, words=False)
    else:  # most turns: no normalisation needed
        ids, named = [], mentions(turn.text, s.patterns, words=False)
    tool_ids: list[str] = []
    for tool_id, texts in turn.asked:
        listed = [(asked[0][0], t) for t in texts if (asked := p.asked(t))]
        if listed:
            s.tool_questions[tool_id] = listed
            tool_ids += [qid for qid, _ in listed]
    if ids or tool_ids:
        s.start(turn.line, ids or tool_ids, named)
        s.pending += [q for q in ids if q not in s.pending]
    else:
        s.moved(turn.line, named)
    for command in turn.commands:
        s.ran(turn.line, command)


def _user(s: _State, turn: Turn) -> None:
    if turn.answer_to:
        asked = s.tool_questions.pop(turn.answer_to, [])
        given = {p.flat(q): a for q, a in turn.answers}
        pairs = [(qid, given.get(p.flat(text), "")) for qid, text in asked]
        if pairs:
            s.answer(turn.line, pairs)
        return
    if s.pending and not turn.slash:
        parts = p.split_reply(turn.text, len(s.pending))
        if parts is None:
            s.fail(turn.line, s.pending[0], turn.text)
            s.moved(turn.line, mentions(turn.text, s.patterns, words=True))  # not an answer
        else:
            s.answer(turn.line, list(zip(s.pending, parts, strict=True)))
        s.pending = []
        return
    s.moved(turn.line, mentions(turn.text, s.patterns, words=True))


def find(
    turns: Sequence[Turn],
    wanted: set[Key],
    batch: bool,
    patterns: Sequence[str],
    command_targets: CommandTargets,
) -> tuple[Confirmation | None, list[str]]:
    """The latest confirmation that covers every wanted target (the batch protocol when
    `batch`), and notes on why other answers did not count."""
    s = _State(patterns, command_targets)
    for turn in turns:
        if turn.role == "assistant":
            _assistant(s, turn)
        else:
            _user(s, turn)
    notes = list(s.notes)
    for c in reversed(s.confirmations):
        if not covers(c.targets, wanted):
            notes.append(f"line {c.answered_line}: the confirmation was for another target")
        elif batch and not c.batch:
            notes.append(f"line {c.answered_line}: the standard protocol; a batch needs four")
        else:
            return c, notes
    return None, notes
