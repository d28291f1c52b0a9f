"""Baselines: record today's violations, report only new ones.

A violation is keyed by file, rule and a fingerprint of its message with numbers removed (so
line numbers in a message and edits elsewhere in the file don't break the match). Identical
keys are counted: a file that had two and now has three reports one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .model import FileResult, Violation
from .record import replace
from .rulepack import RulePack

VERSION = 1
_NUMBERS = re.compile(r"\d+")


class BaselineError(Exception):
    """A baseline file that cannot be used (exit 2)."""


def fingerprint(path: str, v: Violation) -> str:
    text = f"{path}\0{v.rule}\0{_NUMBERS.sub('#', v.message)}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def dump(results: Sequence[FileResult]) -> str:
    entries = sorted(
        (r.path, v.rule, fingerprint(r.path, v)) for r in results for v in r.violations
    )
    payload = {
        "version": VERSION,
        "violations": [{"path": p, "rule": rule, "fingerprint": fp} for p, rule, fp in entries],
    }
    return json.dumps(payload, indent=2) + "\n"


def load(path: Path) -> Counter[tuple[str, str, str]]:
    from .fsutil import BASELINE_LIMIT, FileProblem, read_bytes

    try:
        data = json.loads(read_bytes(path, BASELINE_LIMIT).decode("utf-8"))
        if not isinstance(data, dict):
            raise BaselineError(f"{path}: not a safety-lint baseline (not a JSON object)")
        if data.get("version") != VERSION:
            version = repr(data.get("version"))[:40]
            raise BaselineError(f"{path}: unsupported baseline version {version}")
        entries = data["violations"]
        keys = [(e["path"], e["rule"], e["fingerprint"]) for e in entries]
        if not all(isinstance(k, str) for key in keys for k in key):
            raise BaselineError(f"{path}: not a safety-lint baseline (an entry is not text)")
        return Counter(keys)
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except FileProblem as err:
        raise BaselineError(f"{path}: {err}") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a safety-lint baseline (nested too deeply)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        why = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise BaselineError(f"{path}: not a safety-lint baseline ({why})") from None


def apply(
    results: Sequence[FileResult], known: Counter[tuple[str, str, str]], pack: RulePack
) -> tuple[list[FileResult], int]:
    """Results without the baselined violations, and how many were dropped."""
    remaining = Counter(known)
    out, dropped = [], 0
    for r in results:
        kept = []
        for v in r.violations:
            key = (r.path, v.rule, fingerprint(r.path, v))
            rule = pack.find(v.rule)
            if remaining[key] > 0 and (rule is None or rule.suppressible):
                remaining[key] -= 1
                dropped += 1
            else:
                kept.append(v)
        if len(kept) != len(r.violations):
            errors = any(v.severity == "error" for v in kept)
            status = r.status if r.status == "error" and kept else ("fail" if errors else "pass")
            r = replace(r, violations=kept, status=status)
        out.append(r)
    return out, dropped
