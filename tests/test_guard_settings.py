"""Where the guard's settings come from, end to end: the rule pack's production patterns (a
team's rule folders too), the project's `.safety-lint.yaml` (`guard:`), the hook's command
line adding to both; a changed configuration is seen on the next call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_guard import FIXTURES, _own_cache, decision, payload, reason, run

from safety_lint.config import ConfigError, parse_config

__all__ = ["_own_cache"]  # each test its own cache folder (the fixture of test_guard.py)

MAIN = "kubectl apply -f x.yaml --context main"
PROD = "kubectl apply -f x.yaml --context prod"


def project(tmp_path: Path, config: str | None = None) -> dict[str, str]:
    """A project folder (with .safety-lint.yaml when given), as Claude Code names it."""
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    if config is not None:
        (root / ".safety-lint.yaml").write_text(config, encoding="utf-8")
    return {"CLAUDE_PROJECT_DIR": str(root)}


def test_production_pattern_adds_to_the_rule_packs(tmp_path: Path) -> None:
    env = project(tmp_path)
    assert decision(run(payload(MAIN), env=env)) == "none"
    added = ("--production-pattern", "main")
    assert decision(run(payload(MAIN), *added, env=env)) == "ask"
    assert decision(run(payload(PROD), *added, env=env)) == "ask"  # the defaults stay
    only = (*added, "--no-default-production-patterns")
    assert decision(run(payload(PROD), *only, env=env)) == "none"
    assert decision(run(payload(MAIN), *only, env=env)) == "ask"


def test_production_pattern_also_names_files_for_production(tmp_path: Path) -> None:
    command = "kubectl apply -f k8s/overlays/main/"  # no target option: the path says it
    env = project(tmp_path)
    assert decision(run(payload(command), env=env)) == "none"
    assert decision(run(payload(command), "--production-pattern", "main", env=env)) == "ask"


def test_no_patterns_at_all_is_malformed(tmp_path: Path) -> None:
    proc = run(payload(PROD), "--no-default-production-patterns", env=project(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.count(b"\n") == 1 and b"no production patterns" in proc.stderr


def test_configuration_guard_section(tmp_path: Path) -> None:
    env = project(tmp_path, "guard:\n  production-patterns: [main]\n")
    assert decision(run(payload(MAIN), env=env)) == "ask"
    assert decision(run(payload(PROD), env=env)) == "ask"
    (tmp_path / "project" / ".safety-lint.yaml").write_text(
        "guard:\n  production-patterns: [main]\n  default-production-patterns: false\n"
        "  non-interactive: true\n  audit-log: audit.jsonl\n",
        encoding="utf-8",
    )
    assert decision(run(payload(PROD), env=env)) == "none"  # a changed file is read again
    proc = run(payload(MAIN), env=env)
    assert decision(proc) == "deny" and "set non-interactive" in reason(proc)
    log = tmp_path / "project" / "audit.jsonl"
    assert json.loads(log.read_text())["decision"] == "deny"


def test_configuration_mcp_tools_add_to_the_command_lines(tmp_path: Path) -> None:
    data = (FIXTURES / "payloads" / "pretooluse-mcp.json").read_text()
    assert decision(run(data, env=project(tmp_path))) == "none"
    env = project(tmp_path, "guard:\n  mcp-tools: ['mcp__k8s__*']\n")
    assert decision(run(data, env=env)) == "ask"
    assert decision(run(data, "--mcp-tool", "mcp__other__*", env=env)) == "ask"


def test_broken_configuration_is_said_and_the_defaults_apply(tmp_path: Path) -> None:
    env = project(tmp_path, "guard:\n  production-pattern: [main]\n")  # a typo
    proc = run(payload(PROD), env=env)
    assert decision(proc) == "ask"
    line = proc.stderr.decode()
    assert line.count("\n") == 1 and ".safety-lint.yaml:2" in line
    assert "did you mean 'production-patterns'" in line


def test_team_rule_pack_production_patterns(tmp_path: Path) -> None:
    env = project(tmp_path, "rules: [policy]\n")
    policy = tmp_path / "project" / "policy"
    policy.mkdir()
    assert decision(run(payload(MAIN), env=env)) == "none"
    (policy / "catalogue.yaml").write_text(
        "catalogue:\n  production: [main]\n  families:\n    - id: acme\n      tools: [acmectl]\n"
        "      mutating: [ship]\n      reading: [sync]\n",
        encoding="utf-8",
    )
    assert decision(run(payload(MAIN), env=env)) == "ask"  # a new file in the folder is seen
    assert decision(run(payload("acmectl sync --env main"), env=env)) == "none"
    assert decision(run(payload("acmectl ship web --env main"), env=env)) == "ask"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("guard: {production-patterns: [eu-live]}", "letters only"),
        ("guard: {default-production-patterns: no-thanks}", "must be true or false"),
        ("guard: {audit-log: 3}", "must be a file name"),
        ("guard: {mcp-tools: mcp__x}", "must be a list of strings"),
        ("guard: {deny: true}", "unknown key 'deny'"),
        ("guard: [main]", "'guard' must be a mapping"),
    ],
)
def test_guard_section_errors(tmp_path: Path, text: str, message: str) -> None:
    from ruamel.yaml import YAML

    path = tmp_path / ".safety-lint.yaml"
    with pytest.raises(ConfigError, match=message):
        parse_config(path, YAML(typ="safe").load(text), text)


def test_guard_section_values(tmp_path: Path) -> None:
    text = "guard:\n  production-patterns: [Main]\n  mcp-tools: ['mcp__k8s__*']\n"
    from ruamel.yaml import YAML

    guard = parse_config(tmp_path / "c.yaml", YAML(typ="safe").load(text), text).guard
    assert guard.production_patterns == ["main"] and guard.mcp_tools == ["mcp__k8s__*"]
    assert guard.default_production_patterns and not guard.non_interactive
    assert guard.audit_log is None


def test_settings_are_read_once_and_again_when_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safety_lint.guard import settings

    monkeypatch.setenv("SAFETY_LINT_CACHE_DIR", str(tmp_path / "cache"))
    root = Path(project(tmp_path, "guard:\n  production-patterns: [main]\n")["CLAUDE_PROJECT_DIR"])
    reads: list[str] = []
    real = settings._read_project

    def counted(at: str, rules: object) -> object:
        reads.append(at)
        return real(at, rules)  # type: ignore[arg-type]

    monkeypatch.setattr(settings, "_read_project", counted)
    settings._project(str(root), ())
    settings._project(str(root), ())
    assert len(reads) == 2, "a configuration changed just now is read on every call"
    now = (root / ".safety-lint.yaml").stat().st_ctime_ns + settings.SETTLED_NS
    monkeypatch.setattr(settings, "clock", lambda: now)
    settings._project(str(root), ())
    assert settings._project(str(root), ())["guard"]["production-patterns"] == ["main"]
    assert len(reads) == 3, "2 seconds later it is read once and kept"
    (root / ".safety-lint.yaml").write_text("guard:\n  production-patterns: [trunk]\n")
    monkeypatch.setattr(settings, "clock", lambda: now + 10 * settings.SETTLED_NS)
    assert settings._project(str(root), ())["guard"]["production-patterns"] == ["trunk"]
    assert len(reads) == 4
