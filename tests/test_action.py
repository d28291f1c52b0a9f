"""action.yml: valid action metadata, and its steps, run as the runner would run them (bash,
the inputs through `env`), in a temporary repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parent.parent
ACTION = PROJECT / "action.yml"

FAILING = """\
---
description: Release the service
argument-hint: "<version> [--environment=test|prod]"
disable-model-invocation: true
---

# Release

Ships a tagged version of the service.

## Parameters

- `--environment`: `test` (default) or `prod`

## Steps

1. Run `kubectl apply -f deploy/` against the chosen environment.
"""

PASSING = """\
---
name: reader
description: Reads the logs
tools: Read, Grep
---

# Reader

## Environment Handling

This agent performs read-only inspection and analysis only and does not require production
confirmation: it makes no infrastructure changes and no data modifications. It still respects
the environment parameter and says which environment it operates in.
"""


def action() -> dict[str, Any]:
    return YAML(typ="safe").load(ACTION.read_text())  # type: ignore[no-any-return]


def validate(path: Path, schema: str = "vendor.github-actions") -> subprocess.CompletedProcess[str]:
    """check-jsonschema with the schema it bundles (from SchemaStore): no network."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_action_metadata_is_valid() -> None:
    out = validate(ACTION)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_schema_check_rejects_a_broken_action(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace("using: composite", "using: compost"))
    assert validate(broken).returncode != 0


def test_every_input_reaches_a_step_and_every_output_comes_from_the_check_step() -> None:
    data = action()
    steps = data["runs"]["steps"]
    used = " ".join(json.dumps(step) for step in steps)
    for name in data["inputs"]:
        assert f"inputs.{name}" in used, name
    for name, spec in data["outputs"].items():
        assert spec["value"] == f"${{{{ steps.check.outputs.{name} }}}}"
    # Inputs never spliced into a script: a `run` reads them from the environment.
    assert all("${{" not in step.get("run", "") for step in steps)


class Runner:
    """Runs the action's steps with bash, the way a GitHub runner runs a composite action:
    the install step once, then the check step for each case."""

    def __init__(self, temp: Path) -> None:
        self.temp = temp
        steps = [s for s in action()["runs"]["steps"] if "run" in s]
        self.check = next(s for s in steps if s.get("id") == "check")
        for step in steps:
            if step is not self.check:
                out = self.bash(step, {}, PROJECT)
                assert out.returncode == 0, out.stdout + out.stderr

    def bash(
        self, step: dict[str, Any], inputs: dict[str, str], cwd: Path
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "GITHUB_ACTION_PATH": str(PROJECT),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(self.temp / "github_output"),
            "GITHUB_ACTIONS": "true",
        }
        env.pop("GITHUB_STEP_SUMMARY", None)
        for key, value in step.get("env", {}).items():
            env[key] = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m[1]], value)
        return subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def run(self, workdir: Path, **given: str) -> tuple[int, str, dict[str, str]]:
        inputs = {name: spec.get("default", "") for name, spec in action()["inputs"].items()}
        inputs.update({k.replace("_", "-"): v for k, v in given.items()})
        (self.temp / "github_output").write_text("")
        assert self.check["working-directory"] == "${{ inputs.working-directory }}"
        out = self.bash(self.check, inputs, workdir / inputs["working-directory"])
        lines = (self.temp / "github_output").read_text().splitlines()
        return out.returncode, out.stdout + out.stderr, dict(x.split("=", 1) for x in lines)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    return Runner(tmp_path_factory.mktemp("runner"))


def make_repo(root: Path) -> Path:
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "agents").mkdir(parents=True)
    (root / ".claude" / "commands" / "release.md").write_text(FAILING)
    (root / ".claude" / "agents" / "reader.md").write_text(PASSING)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_a_failing_repository_annotates_writes_sarif_and_fails(
    runner: Runner, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    code, log, out = runner.run(repo)
    assert code == 1
    assert "::error file=.claude/commands/release.md,line=7,col=1,title=PS101" in log
    report = subprocess.run(
        [sys.executable, "-m", "safety_lint", "check", "--format", "json"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    found = [v["severity"] for f in json.loads(report.stdout)["files"] for v in f["violations"]]
    assert out["errors"] == str(found.count("error")) and int(out["errors"]) > 0
    assert out["warnings"] == str(found.count("warning"))
    assert out["exit-code"] == "1" and out["status-exit-code"] == ""
    sarif = json.loads(Path(out["sarif-file"]).read_text())
    assert Path(out["sarif-file"]) == repo / "safety-lint.sarif"
    assert len(sarif["runs"][0]["results"]) == len(found)


def test_fail_on_never_reports_and_passes(runner: Runner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, _, out = runner.run(repo, fail_on="never", sarif_file="report.sarif")
    assert code == 0 and out["exit-code"] == "1" and int(out["errors"]) > 0
    assert out["sarif-file"] == str(repo / "report.sarif")


def test_paths_args_config_and_status(runner: Runner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, _, out = runner.run(repo, paths=".claude/agents/reader.md")
    assert (code, out["errors"], out["exit-code"]) == (0, "0", "0")
    code, _, out = runner.run(repo, args="--select PS101 --ignore PS005")
    assert (code, out["errors"]) == (1, "1")
    (repo / "lint.yaml").write_text("ignore: [PS101, PS301, PS302, PS303, PS304]\n")
    code, _, out = runner.run(repo, config="lint.yaml")
    assert (code, out["errors"]) == (0, "0")
    code, _, out = runner.run(repo, config="lint.yaml", status="true")
    assert out["status-exit-code"] == "1" and code == 1  # no status document yet


def test_bad_inputs_are_errors_and_never_run_as_code(runner: Runner, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, log, _ = runner.run(repo, fail_on="sometimes")
    assert code == 2 and "fail-on must be error, warning or never" in log
    code, _, out = runner.run(repo, config="missing.yaml")
    assert code == 2 and out["exit-code"] == "2" and out["errors"] == ""
    marker = tmp_path / "pwned"
    code, _, out = runner.run(repo, paths=f"$(touch {marker}) `touch {marker}` *", args="")
    assert not marker.exists()
    assert code == 2  # those are not paths: a usage error, not a pass


def test_working_directory(runner: Runner, tmp_path: Path) -> None:
    make_repo(tmp_path / "mono" / "service")
    code, log, out = runner.run(tmp_path / "mono", working_directory="service")
    assert code == 1 and "file=.claude/commands/release.md" in log
    assert out["sarif-file"] == str(tmp_path / "mono" / "service" / "safety-lint.sarif")


def readme_block(lang: str, contains: str) -> str:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"```{lang}\n(.*?)```", readme, re.S)
    found = [b for b in blocks if contains in b]
    assert len(found) == 1, f"{lang} block with {contains!r}"
    return found[0]


def test_the_readme_workflow_is_valid_and_uses_the_action_as_declared(tmp_path: Path) -> None:
    text = readme_block("yaml", "upload-sarif")
    workflow = tmp_path / "safety-lint.yml"
    workflow.write_text(text)
    out = validate(workflow, "vendor.github-workflows")
    assert out.returncode == 0, out.stdout + out.stderr
    steps = YAML(typ="safe").load(text)["jobs"]["lint"]["steps"]
    [ours] = [s for s in steps if s.get("uses", "").startswith("safety-lint/safety-lint@")]
    declared = action()
    assert set(ours.get("with", {})) <= set(declared["inputs"])
    for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
        assert step_id == ours["id"] and output in declared["outputs"]
    assert "pip install safety-lint\n" not in text  # nothing that needs a registry release


def test_a_git_url_with_a_commit_installs_a_working_safety_lint(tmp_path: Path) -> None:
    """What the README's `pip install "git+https://...@REF"` does, with a local clone as the
    remote: the package builds from git alone, rule pack included."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    remote = tmp_path / "remote"
    subprocess.run(["git", "clone", "-q", str(PROJECT), str(remote)], check=True)
    target = tmp_path / "site"
    url = f"git+file://{remote}@{head.stdout.strip()}"
    out = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (target / "safety_lint" / "rules").glob("*.yaml"))
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import safety_lint.cli as c, sys; sys.argv=['safety-lint', 'rules']; c.main()",
        ],
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and "PS101" in run.stdout, run.stderr
