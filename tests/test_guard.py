"""`safety-lint guard` end to end: a hook payload on stdin of a new process, exit code and JSON
asserted, as Claude Code runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures" / "guard"
TRANSCRIPTS = FIXTURES / "transcripts"
CASES = json.loads((FIXTURES / "commands.json").read_text(encoding="utf-8"))["cases"]
PROTOCOL = (
    "Have you validated this in TEST? (y/n)",
    "Do you understand this affects PRODUCTION? (y/n)",
    "Type 'PRODUCTION' to confirm",
)
# Variables that would make the guard think nobody can answer a prompt.
_CLEAN = ("CI", "CLAUDE_CODE_ENTRYPOINT", "CLAUDE_PROJECT_DIR")


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own cache: the guard keeps per-session state there."""
    monkeypatch.setenv("SAFETY_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def run(
    stdin: bytes | str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if k not in _CLEAN}
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "safety_lint", "guard", *args],
        input=data,
        capture_output=True,
        check=False,
        cwd=cwd,
        env={**base, **(env or {})},
    )


def payload(command: str, transcript: Path | None = None, **extra: Any) -> str:
    data = json.loads((FIXTURES / "payloads" / "pretooluse-bash.json").read_text())
    data["tool_input"]["command"] = command
    data["transcript_path"] = str(transcript) if transcript else "/nonexistent/t.jsonl"
    data.update(extra)
    return json.dumps(data)


def decision(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The decision as Claude Code reads it: `none` when the hook printed nothing."""
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8").strip()
    if not out:
        return "none"
    data = json.loads(out)
    hook = data["hookSpecificOutput"]
    assert hook["hookEventName"] == "PreToolUse"
    assert set(hook) == {"hookEventName", "permissionDecision", "permissionDecisionReason"}
    return str(hook["permissionDecision"])


def reason(proc: subprocess.CompletedProcess[bytes]) -> str:
    return str(json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecisionReason"])


@pytest.mark.parametrize("case", CASES, ids=[c["command"][:50] for c in CASES])
def test_command_decisions(case: dict[str, str], tmp_path: Path) -> None:
    proc = run(payload(case["command"]), env={"SAFETY_LINT_CACHE_DIR": str(tmp_path)})
    assert decision(proc) == case["decision"], (case, reason(proc) if proc.stdout else "")
    assert proc.stderr == b""
    if case["decision"] == "ask":
        text = reason(proc)
        for question in PROTOCOL:
            assert question in text
        assert "production" in text


def test_fixture_set_is_large_enough() -> None:
    assert len(CASES) >= 40
    groups = {c["group"] for c in CASES}
    assert {
        "mutating production",
        "same against test",
        "read-only production",
        "obfuscated",
    } <= groups
    assert {c["decision"] for c in CASES} == {"ask", "none"}


def test_ask_names_the_command_and_the_target() -> None:
    text = reason(run(payload("kubectl --context=prod-eu delete pod api-1")))
    assert "kubectl --context=prod-eu delete pod api-1" in text
    assert "prod-eu" in text


# --- transcripts ------------------------------------------------------------------------------
TRANSCRIPT_CASES = [
    ("confirmed-prose", "allow"),
    ("confirmed-stepwise", "allow"),
    ("confirmed-tool", "allow"),
    ("confirmed-tool-text", "allow"),
    ("confirmed-tool-stepwise", "allow"),
    ("tool-answered-no", "ask"),
    ("answered-prod", "ask"),
    ("answered-production-lowercase", "ask"),
    ("answered-no", "ask"),
    ("answered-by-assistant", "ask"),
    ("assistant-only", "ask"),
    ("test-then-prod", "ask"),
    ("prod-then-staging", "ask"),
    ("earlier-session", "ask"),
    ("sidechain", "ask"),
    ("tool-output", "ask"),
    ("meta-injected", "ask"),
]


@pytest.mark.parametrize(("name", "expected"), TRANSCRIPT_CASES)
def test_transcripts(name: str, expected: str, tmp_path: Path) -> None:
    transcript = shutil.copy(TRANSCRIPTS / f"{name}.jsonl", tmp_path / "t.jsonl")
    proc = run(payload("kubectl apply -f deploy.yaml --context prod", Path(transcript)))
    assert decision(proc) == expected, reason(proc)
    if expected == "allow":
        assert "transcript line" in reason(proc)
        assert "PRODUCTION" in reason(proc)


def test_allow_quotes_where_the_confirmation_was() -> None:
    proc = run(
        payload(
            "kubectl apply -f deploy.yaml --context prod", TRANSCRIPTS / "confirmed-prose.jsonl"
        )
    )
    assert decision(proc) == "allow"
    assert "line 3 (questions) and line 4" in reason(proc)


def test_ask_says_why_earlier_answers_do_not_count() -> None:
    proc = run(
        payload("kubectl apply -f deploy.yaml --context prod", TRANSCRIPTS / "answered-prod.jsonl")
    )
    assert decision(proc) == "ask"
    assert "'PROD'" in reason(proc)


def test_confirmation_is_for_its_target_only() -> None:
    proc = run(
        payload(
            "kubectl apply -f deploy.yaml --context prod-us", TRANSCRIPTS / "batch-confirmed.jsonl"
        )
    )
    assert decision(proc) == "allow"  # `prod` confirmed covers the production context prod-us
    proc = run(
        payload("kubectl apply -f x.yaml --context prod", TRANSCRIPTS / "test-then-prod.jsonl")
    )
    assert decision(proc) == "ask"
    assert "target changed" in reason(proc)


def test_batch_needs_the_four_questions() -> None:
    command = "kubectl delete pods --all-namespaces --all --context prod"
    three = run(payload(command, TRANSCRIPTS / "confirmed-prose.jsonl"))
    assert decision(three) == "ask"
    assert "Have you reviewed the batch impact" in reason(three)
    four = run(payload(command, TRANSCRIPTS / "batch-confirmed.jsonl"))
    assert decision(four) == "allow"


def test_unreadable_transcript_asks() -> None:
    proc = run(payload("kubectl apply -f deploy.yaml --context prod", Path("/nonexistent/x.jsonl")))
    assert decision(proc) == "ask"
    assert "transcript cannot be read" in reason(proc)


# --- permission modes -------------------------------------------------------------------------
MODES = [
    ("default", "ask"),
    ("acceptEdits", "ask"),
    ("plan", "ask"),
    ("auto", "ask"),
    ("dontAsk", "deny"),
    ("bypassPermissions", "deny"),
]


@pytest.mark.parametrize(("mode", "expected"), MODES)
def test_permission_modes(mode: str, expected: str) -> None:
    proc = run(payload("kubectl apply -f deploy.yaml --context prod", permission_mode=mode))
    assert decision(proc) == expected
    if expected == "deny":
        assert f"permission_mode is {mode}" in reason(proc)
        assert PROTOCOL[2] in reason(proc)
    read_only = run(payload("kubectl get pods --context prod", permission_mode=mode))
    assert decision(read_only) == "none"
    confirmed = run(
        payload(
            "kubectl apply -f deploy.yaml --context prod",
            TRANSCRIPTS / "confirmed-tool.jsonl",
            permission_mode=mode,
        )
    )
    assert decision(confirmed) == "allow"


def test_no_permission_mode_field_asks() -> None:
    data = json.loads(payload("kubectl apply -f deploy.yaml --context prod"))
    del data["permission_mode"]
    assert decision(run(json.dumps(data))) == "ask"


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--non-interactive",), {}),
        ((), {"CLAUDE_CODE_ENTRYPOINT": "sdk-cli"}),
        ((), {"CI": "true"}),
    ],
)
def test_non_interactive_runs_deny(args: tuple[str, ...], env: dict[str, str]) -> None:
    proc = run(payload("kubectl apply -f deploy.yaml --context prod"), *args, env=env)
    assert decision(proc) == "deny"
    assert "Nobody can answer" in reason(proc)


# --- malformed input and other events ----------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "malformed").iterdir()))
def test_malformed_input_exits_2_with_one_line(name: str) -> None:
    proc = run((FIXTURES / "malformed" / name).read_bytes())
    assert proc.returncode == 2
    assert proc.stdout == b""
    lines = proc.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("safety-lint guard: malformed hook input: ")
    assert "Traceback" not in proc.stderr.decode()


def test_unknown_option_is_a_usage_error() -> None:
    proc = run("{}", "--frobnicate")
    assert proc.returncode == 2
    assert b"unknown argument '--frobnicate'" in proc.stderr


@pytest.mark.parametrize(
    "name", ["pretooluse-read.json", "posttooluse.json", "userprompt-plain.json"]
)
def test_other_tools_and_events_get_no_decision(name: str) -> None:
    proc = run((FIXTURES / "payloads" / name).read_bytes())
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")


def test_mcp_tools_named_in_the_options() -> None:
    data = (FIXTURES / "payloads" / "pretooluse-mcp.json").read_text()
    assert decision(run(data)) == "none"  # not configured: not the guard's business
    assert decision(run(data, "--mcp-tool", "mcp__k8s__*")) == "ask"
    test = data.replace('"prod"', '"test"')
    assert decision(run(test, "--mcp-tool", "mcp__k8s__*")) == "none"


def test_production_patterns_are_configurable() -> None:
    command = "kubectl apply -f x.yaml --context acme-main"
    assert decision(run(payload(command))) == "none"
    assert decision(run(payload(command), "--production-pattern", "main")) == "ask"


# --- audit log --------------------------------------------------------------------------------
def test_audit_log_one_json_line_per_decision(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text('{"earlier": true}\n')
    run(payload("kubectl apply -f deploy.yaml --context prod"), "--audit-log", str(log))
    run(payload("kubectl get pods --context prod"), "--audit-log", str(log))  # no decision
    run(
        payload(
            "kubectl apply -f deploy.yaml --context prod", TRANSCRIPTS / "confirmed-tool.jsonl"
        ),
        "--audit-log",
        str(log),
    )
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[0] == {"earlier": True}  # appended, never rewritten
    assert [e["decision"] for e in lines[1:]] == ["ask", "allow"]
    first, second = lines[1], lines[2]
    assert first["session"] == "sess-1" and first["target"] == ["prod"]
    assert first["command"] == "kubectl apply -f deploy.yaml --context prod"
    assert first["confirmation"] is None
    assert "transcript line" in second["confirmation"]
    assert set(first) >= {"time", "session", "command", "target", "decision", "confirmation"}


def test_audit_log_relative_to_the_project(tmp_path: Path) -> None:
    run(
        payload("kubectl apply -f deploy.yaml --context prod"),
        "--audit-log",
        "audit.jsonl",
        env={"CLAUDE_PROJECT_DIR": str(tmp_path)},
    )
    assert json.loads((tmp_path / "audit.jsonl").read_text())["decision"] == "ask"


def test_unwritable_audit_log_keeps_the_decision(tmp_path: Path) -> None:
    proc = run(
        payload("kubectl apply -f x --context prod"),
        "--audit-log",
        str(tmp_path / "no" / "a.jsonl"),
    )
    assert decision(proc) == "ask"
    assert b"cannot write the audit log" in proc.stderr


# --- the cache ----------------------------------------------------------------------------------
def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    env = {"SAFETY_LINT_CACHE_DIR": str(tmp_path)}
    first = run(payload("kubectl apply -f x --context prod"), env=env)
    cached = sorted(p for p in tmp_path.iterdir() if p.is_file())
    assert len(cached) >= 2, "the first run stores the rule data and the compiled catalogue"
    for path in cached:
        path.write_bytes(b"{not json, not a pickle")
    second = run(payload("kubectl apply -f x --context prod"), env=env)
    assert decision(first) == decision(second) == "ask"
    assert second.stderr == b""
    assert all(p.read_bytes() != b"{not json, not a pickle" for p in cached)  # rebuilt


# --- UserPromptSubmit ---------------------------------------------------------------------------
EXAMPLE = FIXTURES.parent / "example-repo"


def prompt(text: str, cwd: Path = EXAMPLE) -> subprocess.CompletedProcess[bytes]:
    data = json.loads((FIXTURES / "payloads" / "userprompt-deploy.json").read_text())
    data.update(prompt=text, cwd=str(cwd))
    return run(json.dumps(data))


def context(proc: subprocess.CompletedProcess[bytes]) -> str | None:
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return None
    hook = json.loads(proc.stdout)["hookSpecificOutput"]
    assert hook["hookEventName"] == "UserPromptSubmit"
    return str(hook["additionalContext"])


def test_prompt_deployment_command_with_production_gets_the_protocol() -> None:
    text = context(prompt("/dataset-deploy sales --environment=prod"))
    assert text is not None
    assert "classified deployment" in text
    for question in PROTOCOL:
        assert question in text
    assert "batch impact" not in text


def test_prompt_batch_command_gets_the_four_questions() -> None:
    text = context(prompt("/manage-dataset --all --environment=prod"))
    assert text is not None and "classified batch" in text
    assert "Have you reviewed the batch impact (N datasets)? (y/n)" in text


@pytest.mark.parametrize(
    "text",
    [
        "/dataset-deploy sales --environment=test",  # not production
        "/dataset-deploy sales",  # no environment: the default is test
        "/no-such-command --environment=prod",
        "deploy sales to prod please",  # not a slash command: the PreToolUse check still applies
    ],
)
def test_prompt_without_a_production_command_adds_nothing(text: str) -> None:
    assert context(prompt(text)) is None


def test_prompt_read_only_command_adds_nothing(tmp_path: Path) -> None:
    commands = tmp_path / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "inspect.md").write_text(
        "---\ndescription: Show the state of a dataset\nsafety-class: read-only\n---\n\n"
        "# Inspect\n\nShow the dataset's tables in the given `--environment`. It is code-only"
        " and deploys nothing.\n"
    )
    assert context(prompt("/inspect sales --environment=prod", tmp_path)) is None
    (commands / "push.md").write_text(
        "---\ndescription: Push the dataset\nargument-hint: [--environment=test|prod]\n---\n\n"
        "# Push\n\n1. Deploy the dataset: run `kubectl apply -f k8s/`.\n"
    )
    text = context(prompt("/push --environment=prod", tmp_path))
    assert text is not None and "classified deployment" in text


def test_prompt_finds_plugin_commands_and_skills(tmp_path: Path) -> None:
    """Plugin commands and skills are found as the linter's discovery finds them: by
    `/plugin:name`, and by the bare name when no other command has it."""
    plugin = tmp_path / "plugins" / "acme"
    (plugin / ".claude-plugin").mkdir(parents=True)
    (plugin / ".claude-plugin" / "plugin.json").write_text('{"name": "acme"}')
    (plugin / "commands").mkdir()
    (plugin / "commands" / "ship.md").write_text(
        "---\ndescription: Ship the service\nargument-hint: [--environment=test|prod]\n---\n\n"
        "# Ship\n\n1. Deploy: run `kubectl apply -f k8s/`.\n"
    )
    skill = plugin / "skills" / "rollout"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text(
        "---\nname: rollout\ndescription: Roll the service out\n---\n\n"
        "# Rollout\n\n1. Run `helm upgrade api ./chart --kube-context $ENV`.\n"
    )
    for text in ("/acme:ship --environment=prod", "/ship --environment=prod"):
        found = context(prompt(text, tmp_path))
        assert found is not None and "classified deployment" in found, text
    found = context(prompt("/acme:rollout --environment=prod", tmp_path))
    assert found is not None and "/acme:rollout was started against production" in found
    assert context(prompt("/acme:ship --environment=test", tmp_path)) is None
    assert context(prompt("/other:ship --environment=prod", tmp_path)) is None


def test_team_catalogue_from_rules_folders(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(
        "catalogue:\n  families:\n    - id: acme\n      tools: [acmectl]\n"
        "      mutating: [ship]\n      reading: [sync]\n",
        encoding="utf-8",
    )
    env = {"SAFETY_LINT_CACHE_DIR": str(tmp_path / "cache")}
    command = "acmectl sync --env prod"
    assert decision(run(payload(command), env=env)) == "ask"  # unknown tool: may mutate
    assert decision(run(payload(command), "--rules", str(rules), env=env)) == "none"
    ship = payload("acmectl ship web --env prod")
    assert decision(run(ship, "--rules", str(rules), env=env)) == "ask"
    assert run(payload(command), "--rules", str(tmp_path / "missing")).returncode == 2


def test_production_pattern_must_be_a_name_part() -> None:
    proc = run(payload("ls"), "--production-pattern", "eu-live")
    assert proc.returncode == 2
    assert b"letters only" in proc.stderr


# --- targets set by earlier commands ------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        "kubectl config use-context prod && kubectl apply -f x.yaml",
        "export AWS_PROFILE=prod; aws s3 rm s3://acme-data/x",
        "gcloud config set project acme-prod && gcloud run deploy api --image x",
        "terraform workspace select prod && terraform apply -auto-approve",
    ],
)
def test_target_set_earlier_in_the_command(command: str) -> None:
    proc = run(payload(command))
    assert decision(proc) == "ask"
    assert "target set by" in reason(proc)


def test_kube_context_set_by_an_earlier_call_counts() -> None:
    assert decision(run(payload("kubectl config use-context prod"))) == "none"  # local setting
    later = run(payload("kubectl apply -f x.yaml"))
    assert decision(later) == "ask"
    assert "kubectl config use-context prod" in reason(later)
    other = json.loads(payload("kubectl apply -f x.yaml"))
    other["session_id"] = "sess-2"
    assert decision(run(json.dumps(other))) == "none"  # another session
    assert decision(run(payload("kubectl config use-context kind-dev"))) == "none"
    assert decision(run(payload("kubectl apply -f x.yaml"))) == "none"


def test_exported_variables_do_not_outlive_the_call() -> None:
    assert decision(run(payload("export AWS_PROFILE=prod"))) == "none"
    assert decision(run(payload("aws s3 rm s3://acme-data/x"))) == "none"


def test_several_production_targets_are_a_batch() -> None:
    one = "kubectl apply -f x --context prod && helm upgrade api ./c --kube-context prod"
    assert "batch impact" not in reason(run(payload(one)))
    two = "kubectl apply -f x --context prod-eu && kubectl apply -f x --context prod-us"
    assert "Have you reviewed the batch impact (N datasets)? (y/n)" in reason(run(payload(two)))
