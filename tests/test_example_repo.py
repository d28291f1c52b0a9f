"""The bundled example repository gives, file by file, the verdicts of the seed status document."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE_REPO, run_repo

from safety_lint.model import FileResult

C = ".claude/commands/project/"
A = ".claude/agents/project/"

# path: (class, status, requirements violated) — from the seed's Completed / Remaining lists.
SEED = {
    f"{A}data-engineer-etl.md": ("deployment", "fail", {"critical-protocol-section"}),
    f"{A}dataset-deployer.md": ("deployment", "pass", set()),
    f"{A}dataset-developer.md": ("read-only", "pass", set()),
    f"{A}dataset-documenter.md": ("read-only", "fail", {"environment-handling-section"}),
    f"{A}dataset-inspector.md": ("read-only", "fail", {"environment-handling-section"}),
    f"{A}dataset-manager.md": ("batch", "pass", set()),
    f"{A}dataset-tester.md": ("read-only", "fail", {"environment-handling-section"}),
    f"{C}dataset-data-load.md": ("deployment", "pass", set()),
    f"{C}dataset-deploy.md": ("deployment", "fail", {"production-safety-section", "agent-flag"}),
    f"{C}dataset-loader-deploy.md": ("deployment", "pass", set()),
    f"{C}dataset-loader-update.md": (
        "deployment",
        "fail",
        {"production-safety-section", "agent-flag"},
    ),
    f"{C}dataset-update.md": ("deployment", "fail", {"production-safety-section", "agent-flag"}),
    f"{C}manage-dataset.md": ("batch", "pass", set()),
    "CLAUDE.md": (None, "fail", {"claude-md-reference"}),
    "docs/guides/agent-guide.md": (None, "fail", {"agent-guide-reference"}),
    "docs/guides/dataset-deployment-guide.md": (None, "fail", {"deployment-guide-reference"}),
    "docs/standards/production-safety-rules.md": (None, "pass", set()),
}
# Deployment commands whose `allowed-tools` pre-approves `Bash` (pre-approved-mutation).
PRE_APPROVED_BASH = {
    f"{C}dataset-data-load.md",
    f"{C}dataset-deploy.md",
    f"{C}dataset-loader-deploy.md",
    f"{C}dataset-loader-update.md",
    f"{C}dataset-update.md",
}


@pytest.fixture(scope="module")
def results() -> dict[str, FileResult]:
    return {r.path: r for r in run_repo(EXAMPLE_REPO).results}


def test_every_file_the_seed_names_is_checked(results: dict[str, FileResult]) -> None:
    assert sorted(results) == sorted(SEED)


@pytest.mark.parametrize("path", sorted(SEED))
def test_verdict_matches_the_seed(path: str, results: dict[str, FileResult]) -> None:
    cls, status, violated = SEED[path]
    result = results[path]
    assert (result.cls, result.status) == (cls, status)
    assert {v.requirement for v in result.violations if v.severity == "error"} == violated
    # The remaining commands may still be started by the model: a warning, not a failure.
    warnings = {v.requirement for v in result.violations if v.severity == "warning"}
    remaining_command = path.startswith(C) and status == "fail"
    expected = {"disable-model-invocation"} if remaining_command else set()
    if path in PRE_APPROVED_BASH:
        expected.add("pre-approved-mutation")
    assert warnings == expected


def test_done_files_meet_their_key_requirements(results: dict[str, FileResult]) -> None:
    assert {"production-safety-section", "three-questions", "agent-flag"} <= set(
        results[f"{C}dataset-loader-deploy.md"].met
    )
    assert {"batch-section", "four-questions", "dry-run-recommended", "batch-impact"} <= set(
        results[f"{C}manage-dataset.md"].met
    )
    assert {"critical-protocol-first", "flag-false", "defense-in-depth"} <= set(
        results[f"{A}dataset-deployer.md"].met
    )
    assert {"no-auto-deploy", "four-questions", "environment-pass-through"} <= set(
        results[f"{A}dataset-manager.md"].met
    )
    assert {"environment-handling-section", "environment-pass-through"} <= set(
        results[f"{A}dataset-developer.md"].met
    )
