"""Pick the renderer for an output format; the CI formats are imported only when used."""

from __future__ import annotations

from collections.abc import Sequence

from .. import __version__
from ..model import FileResult
from ..rulepack import RulePack
from . import report


def render(fmt: str, results: Sequence[FileResult], pack: RulePack, style: report.Style) -> str:
    if fmt == "text":
        return report.text(results, style)
    if fmt == "json":
        return report.to_json(results)
    if fmt == "github":
        from . import github

        return github.render(results, pack)
    if fmt == "sarif":
        from . import sarif

        return sarif.render(results, pack, __version__)
    if fmt == "junit":
        from . import junit

        return junit.render(results)
    raise ValueError(f"unknown output format {fmt!r}")
