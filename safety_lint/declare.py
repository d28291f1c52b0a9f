"""`classify --write`: record the inferred class in the frontmatter, where none is declared.

Insertion only, like `--fix`: one `safety-class:` line before the frontmatter's closing `---`
(or a new frontmatter at the top), in the file's line endings; every other byte kept.
"""

from __future__ import annotations

from .text import lines_with_endings


def with_declaration(text: str, cls: str) -> str | None:
    """`text` with `safety-class: cls` in its frontmatter; None when the file already has a
    `safety-class` key or its frontmatter has no closing `---`."""
    lines = lines_with_endings(text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    line = f"safety-class: {cls}{newline}"
    if not lines or lines[0].rstrip("\r\n") != "---":
        return f"---{newline}{line}---{newline}{text}"
    for i, current in enumerate(lines[1:], 1):
        bare = current.rstrip("\r\n")
        if bare.startswith("safety-class:"):
            return None
        if bare == "---":
            return "".join([*lines[:i], line, *lines[i:]])
    return None
