"""JUnit XML output, for CI systems that show test reports. A pure function.

Each checked file is a test case: status `fail` is a `<failure>`, status `error` an `<error>`,
and warnings alone do not fail (they go to `<system-out>`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ..model import FileResult, Violation

SUITE = "safety-lint"

# Characters XML 1.0 cannot hold at all, not even escaped (ElementTree would write them as is).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _line(path: str, v: Violation) -> str:
    return f"{path}:{v.line}:{v.column}: {v.rule} {v.requirement} {v.message}"


def _count(n: int) -> str:
    return f"{n} violation{'s' if n != 1 else ''}"


def render(results: Sequence[FileResult]) -> str:
    """`<testsuites>` with one `<testsuite name="safety-lint">`, one test case per file."""
    failures = sum(r.status == "fail" for r in results)
    errors = sum(r.status == "error" for r in results)
    counts = {
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": str(errors),
    }
    suites = ET.Element("testsuites", {"name": SUITE, **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": SUITE, **counts, "skipped": "0"})
    for r in results:
        case = ET.SubElement(
            suite, "testcase", {"classname": f"{SUITE}.{r.kind}", "name": _xml_text(r.path)}
        )
        errs = [v for v in r.violations if v.severity == "error"]
        warns = [v for v in r.violations if v.severity != "error"]
        if r.status in ("fail", "error"):
            listed = errs or r.violations  # an error status always says why
            tag = "failure" if r.status == "fail" else "error"
            node = ET.SubElement(case, tag, {"message": _count(len(listed)), "type": SUITE})
            node.text = _xml_text("\n".join(_line(r.path, v) for v in listed) + "\n")
            if not errs:
                warns = []
        if warns:
            out = ET.SubElement(case, "system-out")
            out.text = _xml_text("\n".join(_line(r.path, v) for v in warns) + "\n")
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
