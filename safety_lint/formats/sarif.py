"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers. A pure function.

One run; `tool.driver.rules` is the whole rule pack, so a result's `ruleIndex` is the rule's
position in `pack.rules`. Locations are root-relative URIs against `%SRCROOT%`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..model import FileResult
from ..rulepack import Rule, RulePack

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "safety-lint"
INFORMATION_URI = "https://github.com/safety-lint/safety-lint"
RULES_DOC_URL = "https://github.com/safety-lint/safety-lint/blob/main/docs/rules.md"
SRCROOT = "%SRCROOT%"


def anchor(heading: str) -> str:
    """The fragment GitHub gives a Markdown heading: `PS101 production-safety-section` ->
    `ps101-production-safety-section` (lowercase, punctuation dropped, spaces to `-`)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def rule_help_uri(rule: Rule) -> str:
    """Where `docs/rules.md` documents the rule (its heading is `## CODE name`)."""
    return f"{RULES_DOC_URL}#{anchor(f'{rule.code} {rule.name}')}"


def _level(severity: str) -> str:
    return "warning" if severity == "warning" else "error"


def _descriptor(rule: Rule) -> dict[str, Any]:
    what, why = rule.doc.get("what", ""), rule.doc.get("why", "")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": what},
        "fullDescription": {"text": f"{what} {why}".strip()},
        "help": {"text": rule.doc.get("fix", "")},
        "helpUri": rule_help_uri(rule),
        "defaultConfiguration": {"level": _level(rule.severity)},
    }


def _uri(path: str) -> str:
    """A root-relative path (forward slashes already) as a relative URI reference: spaces,
    non-ASCII and a backslash (the `\\xff` of a name that is not UTF-8) %-encoded."""
    return quote(path, safe="/")


def render(
    results: Sequence[FileResult],
    pack: RulePack,
    tool_version: str,
    root: Path | None = None,
) -> str:
    """The SARIF log, stable: results in the order given, `indent=2`, a final newline.

    With `root`, `originalUriBaseIds` says where `%SRCROOT%` is (a `file:` URI); without it,
    only that it is the repository root, which is what GitHub code scanning expects.
    """
    index = {rule.code: i for i, rule in enumerate(pack.rules)}
    sarif_results: list[dict[str, Any]] = []
    for result in results:
        for v in result.violations:
            item: dict[str, Any] = {"ruleId": v.rule}
            if v.rule in index:
                item["ruleIndex"] = index[v.rule]
            item["level"] = _level(v.severity)
            item["message"] = {"text": v.message}
            item["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(result.path), "uriBaseId": SRCROOT},
                        "region": {
                            "startLine": max(v.line, 1),
                            "startColumn": max(v.column, 1),
                        },
                    }
                }
            ]
            # What the file is for Claude Code (a skill, a plugin's agent): GitHub shows it.
            item["properties"] = {"kind": result.kind}
            if result.plugin:
                item["properties"]["plugin"] = result.plugin
            sarif_results.append(item)
    srcroot: dict[str, Any] = {"description": {"text": "The root of the linted repository."}}
    if root is not None:
        srcroot = {"uri": root.absolute().as_uri().rstrip("/") + "/", **srcroot}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(rule) for rule in pack.rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: srcroot},
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
