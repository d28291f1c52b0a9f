"""Regenerate the implementation-status document from the lint results (policy §7).

The document is split at its level-2 headings (as CommonMark sees them, so headings inside code
blocks never split it). Sections whose heading the rule pack lists as owned are regenerated;
every other byte — preamble, maintainer sections, separators, line endings — is kept.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .config import Config
from .model import FileResult
from .parse import parse_blocks
from .rulepack import RulePack
from .status_render import Results, completed, criteria, overview, priority, remaining, rollout
from .text import heading_key, lines_with_endings

ORDER = ("overview", "completed", "remaining", "rollout", "criteria", "priority")
_TASK = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(.*?)\s*$")
_RULE_LINE = re.compile(r"^\s*(---+|\*\*\*+|___+)\s*$")


def today() -> dt.date:
    """`SOURCE_DATE_EPOCH` (reproducible builds) or the current date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit() and len(epoch.strip()) < 16:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            pass
    return dt.date.today()


@dataclass
class Region:
    key: str | None  # an owned section's key, or None for the maintainer's
    lines: list[str]

    def trailer(self) -> list[str]:
        """The blank lines and thematic break that separate this section from the next."""
        i = len(self.lines)
        while i > 1 and (not self.lines[i - 1].strip() or _RULE_LINE.match(self.lines[i - 1])):
            i -= 1
        return self.lines[i:]

    def tasks(self) -> list[tuple[str, bool]]:
        found = (_TASK.match(line.rstrip("\r\n")) for line in self.lines)
        return [(m.group(2), m.group(1) != " ") for m in found if m]


def owned_headings(pack: RulePack) -> dict[str, str]:
    """Normalised heading -> owned key."""
    return {heading_key(h): key for key, h in pack.status["owned"].items()}


def split_regions(body: list[str], pack: RulePack) -> list[Region]:
    plain = "".join(line.rstrip("\r\n") + "\n" for line in body)
    starts = [
        b.line - 1
        for b in parse_blocks(plain, 1)
        if b.type == "heading" and b.level == 2 and b.counts
    ]
    owned = owned_headings(pack)
    regions = [Region(None, body[: starts[0]] if starts else body)]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(body)
        heading = re.sub(r"^\s*#+\s*|\s*#*\s*$", "", body[start].rstrip("\r\n"))
        regions.append(Region(owned.get(heading_key(heading)), body[start:end]))
    return regions


def _frontmatter_updated(fm: list[str], date: dt.date, newline: str) -> list[str]:
    """The frontmatter with `updated:` set to `date`; comments, order and quoting kept."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from . import safeyaml

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    try:
        data = safeyaml.load(yaml, "".join(fm))
    except (YAMLError, safeyaml.YamlLimit):
        data = None
    if not isinstance(data, dict):  # not YAML we can round-trip: edit the line itself
        out = [
            re.sub(r"^updated:.*", f"updated: {date}", line.rstrip("\r\n")) + newline for line in fm
        ]
        return out
    data["updated"] = date
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return [line + newline for line in buffer.getvalue().splitlines()]


@dataclass(frozen=True)
class Inputs:
    results: Sequence[FileResult]
    pack: RulePack
    config: Config


def _renderers(inputs: Inputs, old: dict[str, Region]) -> dict[str, Callable[[], list[str]]]:
    res = Results(inputs.results, inputs.pack)
    status = inputs.config.status
    renderers: dict[str, Callable[[], list[str]]] = {
        "overview": lambda: overview(res),
        "completed": lambda: completed(res),
        "remaining": lambda: remaining(res),
        "criteria": lambda: criteria(res, old["criteria"].tasks() if "criteria" in old else []),
        "priority": lambda: priority(res, status.priorities),
    }
    if status.phases:  # without configured phases the Rollout Plan stays the maintainer's
        hand = dict(old["rollout"].tasks()) if "rollout" in old else {}
        hand = {re.sub(r"`", "", k): v for k, v in hand.items()}
        renderers["rollout"] = lambda: rollout(res, status.phases, hand)
    return renderers


def _new_document(pack: RulePack, date: dt.date) -> tuple[list[str], list[Region]]:
    fm = pack.status["new-frontmatter"].replace("{today}", str(date))
    preamble = ["\n", f"# {pack.status['title']}\n", "\n"]
    return [line + "\n" for line in fm.splitlines()], [Region(None, preamble)]


def generate(existing: str | None, inputs: Inputs, date: dt.date | None = None) -> str:
    """The whole document: `existing` with its owned sections regenerated (or a new one)."""
    date = date or today()
    pack = inputs.pack
    bom = ""
    if existing is None:
        fm, regions = _new_document(pack, date)
        newline, fresh = "\n", True
    else:
        if existing.startswith("\ufeff"):
            bom, existing = "\ufeff", existing[1:]
        lines = lines_with_endings(existing)
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        fm, body = [], lines
        if lines and lines[0].rstrip("\r\n") == "---":
            close = next(
                (i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") in ("---", "...")), None
            )
            if close is not None:
                fm, body = lines[1:close], lines[close + 1 :]
        regions, fresh = split_regions(body, pack), False
    old = {r.key: r for r in regions if r.key}
    renderers = _renderers(inputs, old)
    headings = pack.status["owned"]
    out: list[Region] = []
    for region in regions:
        if region.key in renderers:
            key = region.key
            heading = region.lines[0].rstrip("\r\n")
            body = [heading, *renderers[key]()]
            out.append(Region(key, [x + newline for x in body] + region.trailer()))
        else:
            out.append(region)
    # Owned sections the document lacks go after the owned section that precedes them.
    for key in ORDER:
        if key not in renderers or any(r.key == key for r in out):
            continue
        before = [k for k in ORDER[: ORDER.index(key)] if any(r.key == k for r in out)]
        at = max((i for i, r in enumerate(out) if r.key in before), default=0) + 1
        lines = [f"## {headings[key]}", *renderers[key](), "", "---", ""]
        out.insert(at, Region(key, [x + newline for x in lines]))
    new_body = "".join(line for r in out for line in r.lines)
    old_body = None if fresh else "".join(line for r in regions for line in r.lines)
    if fm and new_body != old_body and not fresh:
        fm = _frontmatter_updated(fm, date, newline)
    head = ("---" + newline + "".join(fm) + "---" + newline) if (fm or fresh) else ""
    return bom + head + new_body
