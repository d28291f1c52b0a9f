"""A skill's bundled files (policy §1): the scripts and documents of its folder that SKILL.md
names (`scripts/deploy.sh`, `${CLAUDE_SKILL_DIR}/references/runbook.md`) are part of the skill,
since that is where skills keep the commands they run. They are read as text for the classifier
(never executed); a file outside the skill's folder, a symlink that leaves it, a binary or an
oversized file is not read."""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import modality
from .classify import settings
from .fsutil import FileProblem, read_bytes
from .model import BundledFile, Document
from .rulepack import RulePack

# Extensions read as instructions; the others listed are scripts the model runs.
MARKDOWN = frozenset({".md", ".markdown", ".txt"})
SCRIPTS = frozenset(
    {".sh", ".bash", ".zsh", ".ps1", ".py", ".js", ".mjs", ".cjs", ".ts", ".rb", ".pl"}
)
MAX_FILES = 20  # a skill naming more files than this is read for its first ones only

_PATH = re.compile(
    r"(?:\$\{?CLAUDE_SKILL_DIR\}?/|\./)?((?:[\w.-]+/)*[\w-][\w.-]*\.(?:"
    + "|".join(sorted(e[1:] for e in MARKDOWN | SCRIPTS))
    + r"))\b"
)


def _read(path: Path, folder_real: str, max_bytes: int) -> str | None:
    # The skill's own folder is the root here: a bundled file may not lead out of it, and only a
    # regular file within the size limit is read (fsutil's rules for every read).
    try:
        data = read_bytes(path, max_bytes, Path(folder_real))
    except (OSError, FileProblem):
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", "replace")


def bundled_files(
    doc: Document, max_bytes: int, pack: RulePack | None = None
) -> tuple[BundledFile, ...]:
    """The files of the skill's folder its SKILL.md names in text or code (first mention);
    with the rule pack, not a file a sentence forbids ("never run `scripts/wipe.sh`")."""
    s = settings(pack) if pack is not None else None
    folder = doc.target.path.parent
    folder_real = os.path.realpath(folder)
    seen: dict[str, BundledFile] = {}
    for block in doc.blocks:
        if block.type not in ("text", "code") or (block.type == "text" and not block.counts):
            continue
        offset = 1 if block.type == "code" else 0
        for m in _PATH.finditer(block.text):
            rel = m.group(1)
            if rel in seen or rel.lower() == "skill.md" or len(seen) >= MAX_FILES:
                continue
            if (
                s is not None
                and block.type == "text"
                and modality.at(block.text, m.start(), s.scope) == "prohibited"
            ):
                continue
            text = _read(folder / rel, folder_real, max_bytes)
            if text is None:
                continue
            line = block.line + offset + block.text.count("\n", 0, m.start())
            suffix = os.path.splitext(rel)[1].lower()
            seen[rel] = BundledFile(rel, line, text, suffix in MARKDOWN)
    return tuple(seen.values())
