"""Text from a linted repository (file names, frontmatter keys, messages quoting a file) made
safe to print, in one escaped form for every output format.

* A byte of a file name that is not UTF-8 (Python holds it as a lone surrogate) is written
  `\\xff` everywhere: text, JSON, SARIF, JUnit, baselines, the status document.
* For text shown to people or parsed line by line (the terminal, the GitHub log, the status
  document, JUnit), control characters are written `\\n`, `\\x1b`, `\\u202e`: a name cannot end a
  line, start a workflow command or move the cursor.
"""

from __future__ import annotations

import re
from operator import is_

from .model import Classification, FileResult
from .record import replace

# C0 and C1 controls, DEL, line and paragraph separators, bidirectional controls, and the
# non-characters XML cannot hold.
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _surrogate(m: re.Match[str]) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def _control(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    return _SHORT.get(ch) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def name(text: str) -> str:
    """Lone surrogates (bytes of a name that are not UTF-8) as `\\xNN`; the rest unchanged."""
    return _SURROGATES.sub(_surrogate, text) if _SURROGATES.search(text) else text


def printable(text: str) -> str:
    """`name`, and every control character as an escape: one line, nothing the terminal or a
    log parser acts on."""
    text = name(text)
    return _CONTROLS.sub(_control, text) if _CONTROLS.search(text) else text


def printable_line(line: str) -> str:
    """A line of a diff: its content escaped, its line ending kept."""
    body = line.rstrip("\r\n")
    return printable(body) + line[len(body) :]


def result(r: FileResult, controls: bool) -> FileResult:
    """The result with every string that came from the repository escaped; the result itself
    when nothing needs it (almost always: a copy of every result would double the memory a
    large run keeps until its report is written)."""
    f = printable if controls else name
    path, title = f(r.path), f(r.name)
    evidence = [f(e) for e in r.evidence]
    violations = [
        v if (m := f(v.message)) is v.message else replace(v, message=m) for v in r.violations
    ]
    same = path is r.path and title is r.name
    if same and all(map(is_, evidence, r.evidence)) and all(map(is_, violations, r.violations)):
        return r
    return replace(r, path=path, name=title, evidence=evidence, violations=violations)


def classification(c: Classification, controls: bool) -> Classification:
    f = printable if controls else name
    return replace(
        c,
        evidence=[replace(e, what=f(e.what)) for e in c.evidence],
        decided_by=f(c.decided_by),
        unclassified_reason=f(c.unclassified_reason),
    )
