"""A section's `fix`: how `check --fix` inserts it when missing. Data in the rule pack, read and
validated with it (`rulepack.load_pack`), so a team pack with a bad template fails at load."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from .model import CLASSES
from .record import record

if TYPE_CHECKING:
    from .rulepack import Rule, _Reader

PLACES = ("first", "after-parameters", "end")
# What a section template may use; `safety_lint.fix` fills them in for the file.
TEMPLATE_FIELDS = ("name", "questions", "count", "dry_run", "complete", "batch", "activity")


@record
class SectionFix:
    """How `check --fix` inserts a missing section: which template, where, and which protocol
    rule's questions fill `{questions}` for each class."""

    template: str
    place: str = "end"  # first | after-parameters | end
    questions: tuple[tuple[str, str], ...] = ()  # (class, protocol rule name)
    questions_indent: int = 3


def read_fix(r: _Reader, node: Any, sid: str) -> SectionFix:
    what = f"the fix of section '{sid}'"
    r.keys(node, ("template", "place", "questions", "questions-indent"), ("template",), what)
    questions = node.get("questions", {})
    if not isinstance(questions, dict) or not all(
        isinstance(v, str) and c in CLASSES for c, v in questions.items()
    ):
        raise r.fail(node, "questions", "'questions' maps a class to a protocol rule's name")
    indent = node.get("questions-indent", 3)
    if not isinstance(indent, int) or isinstance(indent, bool) or not 0 <= indent <= 12:
        raise r.fail(node, "questions-indent", "'questions-indent' must be 0 to 12 spaces")
    return SectionFix(
        template=r.string(node, "template"),
        place=r.choice(node, "place", PLACES, "end"),
        questions=tuple((str(c), str(v)) for c, v in questions.items()),
        questions_indent=indent,
    )


def check_fix(
    r: _Reader,
    fixnode: Any,
    sid: str,
    fix: SectionFix,
    templates: dict[str, str],
    rules: dict[str, Rule],
) -> None:
    """A section fix names a template that exists and uses only the fields fix fills in, and
    protocol rules that exist: a team pack fails here, at load, never in `--fix`."""
    if fix.template not in templates:
        raise r.fail(fixnode, "template", f"section '{sid}': no template '{fix.template}'")
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(templates[fix.template]) if f}
    except ValueError as err:
        raise r.fail(fixnode, "template", f"template '{fix.template}': {err}") from None
    unknown = sorted(fields - set(TEMPLATE_FIELDS))
    if unknown:
        raise r.fail(
            fixnode,
            "template",
            f"template '{fix.template}' uses {', '.join('{' + u + '}' for u in unknown)}; "
            f"a section template can use {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)} "
            "(write a literal brace as {{ or }})",
        )
    for cls, name in fix.questions:
        if name not in rules or not rules[name].question_texts:
            raise r.fail(fixnode, "questions", f"'{name}' ({cls}) is not a protocol rule")
