"""The CI output formats: GitHub workflow commands and step summary, SARIF 2.1.0, JUnit XML.

The SARIF schema test needs the SARIF Multitool: run `tests/setup_sarif.sh` once (it installs
into ${SARIF_TOOLS:-~/.cache/safety-lint-sarif}); without it the test is skipped.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_REPO, run_repo

from safety_lint import __version__
from safety_lint.formats import github, junit, sarif
from safety_lint.formats.report import summary_line
from safety_lint.model import FileResult, Violation
from safety_lint.rulepack import RulePack, default_pack

DEPLOY = ".claude/commands/project/dataset-deploy.md"


@pytest.fixture(scope="module")
def results() -> list[FileResult]:
    return run_repo(EXAMPLE_REPO).results


def violation(
    rule: str = "PS101",
    requirement: str = "production-safety-section",
    severity: str = "error",
    line: int = 3,
    column: int = 1,
    message: str = "missing",
) -> Violation:
    return Violation(rule, requirement, severity, line, column, message)  # type: ignore[arg-type]


def file_result(
    path: str, status: str, *violations: Violation, kind: str = "command"
) -> FileResult:
    return FileResult(
        path=path,
        kind=kind,  # type: ignore[arg-type]
        name="/x",
        cls="deployment" if kind != "document" else None,
        class_source="declared" if kind != "document" else None,
        evidence=[],
        status=status,  # type: ignore[arg-type]
        met=[],
        violations=list(violations),
    )


# --- GitHub -----------------------------------------------------------------------------------


def test_github_annotations_for_the_example_repo(results: list[FileResult]) -> None:
    lines = github.render(results, default_pack()).splitlines()
    assert (
        f"::error file={DEPLOY},line=7,col=1,title=PS101 production-safety-section::"
        "missing level-2 section `⚠️ PRODUCTION SAFETY ⚠️`"
    ) in lines
    assert len(lines) == sum(len(r.violations) for r in results)
    assert all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert any(
        line.startswith("::warning file=") for line in lines
    )  # PS405 on the remaining commands


def test_github_escaping_is_the_toolkits() -> None:
    v = violation(message="100% sure:\r\nnext, line", line=12, column=4)
    r = file_result("odd dir/a:b,c%d.md", "fail", v)
    assert github.render([r], default_pack()) == (
        "::error file=odd dir/a%3Ab%2Cc%25d.md,line=12,col=4,"
        "title=PS101 production-safety-section::100%25 sure:%0D%0Anext, line\n"
    )
    assert github.escape_property("a%b\r\n:,") == "a%25b%0D%0A%3A%2C"
    assert github.escape_data("a%b\r\n:,") == "a%25b%0D%0A:,"
    # `%` first: an already escaped-looking text is not decoded by the runner
    assert github.escape_data("%0A") == "%250A"


def test_github_warning_level() -> None:
    w = violation("PS003", "frontmatter-yaml", "warning", 2, 1, "not strict YAML")
    out = github.render([file_result("a.md", "pass", w)], default_pack())
    assert out == "::warning file=a.md,line=2,col=1,title=PS003 frontmatter-yaml::not strict YAML\n"


def test_step_summary(results: list[FileResult]) -> None:
    md = github.step_summary(results)
    lines = md.splitlines()
    assert lines[0].startswith("## ")
    assert summary_line(results) in lines  # "17 files checked: 7 passed, 10 failed, ..."
    assert "| File | Status | Class | What is missing |" in lines
    row = next(line for line in lines if DEPLOY in line)
    assert row == (
        f"| `{DEPLOY}` | fail | deployment | `production-safety-section`, `agent-flag` |"
    )
    rows = [line for line in lines if line.startswith("| `")]
    assert len(rows) == sum(r.status != "pass" for r in results)
    assert md.endswith("\n")


def test_step_summary_escapes_cells_and_skips_passing_files() -> None:
    bad = file_result("a|b.md", "fail", violation(requirement="x|y"), violation(requirement="x|y"))
    warned = file_result("ok.md", "pass", violation(severity="warning"))
    md = github.step_summary([bad, warned])
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert rows == ["| `a\\|b.md` | fail | deployment | `x\\|y` |"]  # listed once
    assert "ok.md" not in md


def test_step_summary_all_passing() -> None:
    md = github.step_summary([file_result("a.md", "pass")])
    assert "| File |" not in md
    assert "1 file checked: 1 passed" in md


# --- SARIF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_text(results: list[FileResult]) -> str:
    return sarif.render(results, default_pack(), __version__)


def test_sarif_structure(results: list[FileResult], sarif_text: str) -> None:
    pack = default_pack()
    log = json.loads(sarif_text)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "safety-lint"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert len(driver["rules"]) == len(pack.rules)
    ps101 = next(d for d in driver["rules"] if d["id"] == "PS101")
    rule = pack.find("PS101")
    assert rule is not None
    assert ps101["name"] == "production-safety-section"
    assert ps101["shortDescription"]["text"] == rule.doc["what"]
    assert ps101["fullDescription"]["text"] == f"{rule.doc['what']} {rule.doc['why']}"
    assert ps101["help"]["text"] == rule.doc["fix"]
    assert ps101["helpUri"] == sarif.RULES_DOC_URL + "#ps101-production-safety-section"
    assert ps101["defaultConfiguration"]["level"] == "error"
    ps003 = next(d for d in driver["rules"] if d["id"] == "PS003")
    assert ps003["defaultConfiguration"]["level"] == "warning"
    assert run["originalUriBaseIds"]["%SRCROOT%"]

    assert len(run["results"]) == sum(len(r.violations) for r in results)
    hits = [
        res
        for res in run["results"]
        if res["ruleId"] == "PS101"
        and res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == DEPLOY
    ]
    assert len(hits) == 1
    hit = hits[0]
    assert driver["rules"][hit["ruleIndex"]]["id"] == "PS101"
    assert hit["level"] == "error"
    assert hit["message"]["text"] == "missing level-2 section `⚠️ PRODUCTION SAFETY ⚠️`"
    loc = hit["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert loc["region"] == {"startLine": 7, "startColumn": 1}
    assert sarif_text.endswith("}\n")
    assert "⚠️" in sarif_text  # ensure_ascii=False


def test_sarif_is_stable(results: list[FileResult], sarif_text: str) -> None:
    assert sarif.render(list(results), default_pack(), __version__) == sarif_text


def test_sarif_levels_uris_and_root(tmp_path: Path) -> None:
    w = violation("PS003", "frontmatter-yaml", "warning", 0, 0, "lenient")
    log = json.loads(
        sarif.render([file_result("my dir/é.md", "pass", w)], default_pack(), "1", root=tmp_path)
    )
    (res,) = log["runs"][0]["results"]
    assert res["level"] == "warning"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "my%20dir/%C3%A9.md"
    assert loc["region"] == {"startLine": 1, "startColumn": 1}  # SARIF lines start at 1
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("PS101 production-safety-section", "ps101-production-safety-section"),
        ("PS106 three-questions", "ps106-three-questions"),
        ("What's new: v1.0 (beta)", "whats-new-v10-beta"),
    ],
)
def test_anchor(heading: str, slug: str) -> None:
    assert sarif.anchor(heading) == slug


# --- SARIF schema validation --------------------------------------------------------------------


def _multitool() -> tuple[Path, Path]:
    """The SARIF Multitool and its schema as tests/setup_sarif.sh installs them, or skip."""
    home = Path(os.environ.get("SARIF_TOOLS") or Path.home() / ".cache" / "safety-lint-sarif")
    found = sorted(home.glob("node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool"))
    if not found or not os.access(found[0], os.X_OK):
        pytest.skip(
            f"SARIF Multitool not installed in {home}: run tests/setup_sarif.sh (needs npm)"
        )
    return found[0], found[0].parent / "sarif-2.1.0.json"


# SARIF2006 fetches every URI in the log over the network; a test must not.
VALIDATION_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
"""


def _validate(tool: Path, log: Any, tmp_path: Path, name: str) -> list[dict[str, Any]]:
    """Run `Sarif.Multitool validate` with the SARIF and GitHub rules; the problems it finds.

    The multitool exits 0 whatever it finds (a non-zero code means it could not run); its
    findings are the results of the SARIF log it writes. Notes (style advice) are not asked for.
    """
    target = tmp_path / f"{name}.sarif"
    target.write_text(log if isinstance(log, str) else json.dumps(log), encoding="utf-8")
    config = tmp_path / "validation.xml"
    config.write_text(VALIDATION_CONFIG, encoding="utf-8")
    out = tmp_path / f"{name}.validation.sarif"
    proc = subprocess.run(
        [
            str(tool),
            "validate",
            str(target),
            "--output",
            str(out),
            "--log",
            "ForceOverwrite",
            "--config",
            str(config),
            "--rule-kind",
            "Sarif;Gh",
            "--level",
            "Error;Warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text(encoding="utf-8-sig"))
    (run,) = report["runs"]
    assert all(inv.get("executionSuccessful") for inv in run.get("invocations", []))
    return [r for r in run.get("results", []) if r.get("level", "warning") != "note"]


def test_sarif_validates_with_the_sarif_multitool(sarif_text: str, tmp_path: Path) -> None:
    tool, _ = _multitool()
    problems = _validate(tool, sarif_text, tmp_path, "safety-lint")
    assert problems == []
    # The multitool stops silently on a value it cannot deserialize (a bad enum such as a
    # level) and then reports nothing, so check those values here and prove it does find a
    # schema violation when there is one.
    log = json.loads(sarif_text)
    levels = {"none", "note", "warning", "error"}
    run = log["runs"][0]
    assert {r["level"] for r in run["results"]} <= levels
    assert {d["defaultConfiguration"]["level"] for d in run["tool"]["driver"]["rules"]} <= levels
    broken = copy.deepcopy(log)
    del broken["runs"][0]["results"][0]["message"]
    found = _validate(tool, broken, tmp_path, "broken")
    assert "JSON1002" in {p["ruleId"] for p in found}, found  # required property missing


def test_sarif_validates_against_the_json_schema(sarif_text: str) -> None:
    _, schema_path = _multitool()
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    schema = json.loads(schema_path.read_text(encoding="utf-8-sig"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    log = json.loads(sarif_text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    log["runs"][0]["results"][0]["level"] = "fatal"  # the validator does check
    assert not validator.is_valid(log)


# --- JUnit ------------------------------------------------------------------------------------


def test_junit_example_repo(results: list[FileResult]) -> None:
    text = junit.render(results)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "safety-lint"
    failing = sum(r.status == "fail" for r in results)
    assert failing > 0
    assert suite.get("tests") == str(len(results))
    assert suite.get("failures") == str(failing)
    assert suite.get("errors") == str(sum(r.status == "error" for r in results))
    assert suite.get("skipped") == "0"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [r.path for r in results]
    assert len(suite.findall("testcase/failure")) == failing
    case = next(c for c in cases if c.get("name") == DEPLOY)
    assert case.get("classname") == "safety-lint.command"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "2 violations"
    assert failure.get("type") == "safety-lint"
    assert (failure.text or "").splitlines()[0] == (
        f"{DEPLOY}:7:1: PS101 production-safety-section "
        "missing level-2 section `⚠️ PRODUCTION SAFETY ⚠️`"
    )
    passing = next(c for c in cases if c.get("name") == "CLAUDE.md")
    assert passing.get("classname") == "safety-lint.document"


def test_junit_errors_warnings_and_bad_characters() -> None:
    unreadable = file_result(
        "bin.md", "error", violation("PS001", "unreadable-file", line=1, message="binary \x00 file")
    )
    warned = file_result("w.md", "pass", violation("PS003", "frontmatter-yaml", "warning"))
    both = file_result(
        "b.md", "fail", violation(), violation("PS003", "frontmatter-yaml", "warning")
    )
    root = ET.fromstring(junit.render([unreadable, warned, both]).encode("utf-8"))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    err_case, warn_case, both_case = suite.findall("testcase")
    error = err_case.find("error")
    assert error is not None and error.get("message") == "1 violation"
    assert "bin.md:1:1: PS001 unreadable-file binary \ufffd file" in (error.text or "")
    assert warn_case.find("failure") is None and warn_case.find("error") is None
    assert "PS003 frontmatter-yaml" in (warn_case.findtext("system-out") or "")
    failure = both_case.find("failure")
    assert failure is not None and failure.get("message") == "1 violation"
    assert "PS003" not in (failure.text or "")
    assert "PS003" in (both_case.findtext("system-out") or "")


def test_renderers_accept_any_sequence(results: list[FileResult]) -> None:
    pack: RulePack = default_pack()
    as_tuple = tuple(results)
    assert github.render(as_tuple, pack) == github.render(results, pack)
    assert junit.render(as_tuple) == junit.render(results)
