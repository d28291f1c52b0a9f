"""The guard's parts in-process: reply splitting, target matching, transcript reading,
`guard install` / `uninstall` on settings files, the internal-error fallback."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety_lint.guard import protocol, run, transcript
from safety_lint.guard.confirm import find
from safety_lint.guard.targets import explicit_values, key, mentions, same, value_words
from safety_lint.guard.transcript import Turn, read_turns
from safety_lint.targets import name_parts

FIXTURES = Path(__file__).parent.parent / "fixtures" / "guard"
P = ("prod", "production", "prd", "live")


@pytest.mark.parametrize(
    ("reply", "count", "parts"),
    [
        ("yes\nyes\nPRODUCTION", 3, ["yes", "yes", "PRODUCTION"]),
        ("1. y\n2. y\n3. PRODUCTION", 3, ["y", "y", "PRODUCTION"]),
        ("yes, yes, PRODUCTION", 3, ["yes", "yes", "PRODUCTION"]),
        ("y y PRODUCTION", 3, ["y", "y", "PRODUCTION"]),
        ("  PRODUCTION  ", 1, ["PRODUCTION"]),
        ("ok go ahead now please", 3, None),
    ],
)
def test_split_reply(reply: str, count: int, parts: list[str] | None) -> None:
    assert protocol.split_reply(reply, count) == parts


@pytest.mark.parametrize(
    ("qid", "answer", "ok"),
    [
        (protocol.TOKEN, "PRODUCTION", True),
        (protocol.TOKEN, "PROD", False),
        (protocol.TOKEN, "Production", False),
        (protocol.TOKEN, "'PRODUCTION'", False),
        (protocol.TOKEN, "production", False),
        (protocol.VALIDATED, "Yes.", True),
        (protocol.VALIDATED, "y", True),
        (protocol.VALIDATED, "no", False),
        (protocol.VALIDATED, "n", False),
        (protocol.AFFECTS, "", False),
        (protocol.AFFECTS, "Yes, I have", True),
        (protocol.AFFECTS, "Yes, No", False),
        (protocol.AFFECTS, "yes, not yet", False),
    ],
)
def test_accepted_answers(qid: str, answer: str, ok: bool) -> None:
    assert protocol.accepted(qid, answer) is ok


def test_questions_come_from_the_rule_pack() -> None:
    assert protocol.wording(False) == [
        "Have you validated this in TEST? (y/n)",
        "Do you understand this affects PRODUCTION? (y/n)",
        "Type 'PRODUCTION' to confirm",
    ]
    assert len(protocol.wording(True)) == 4
    assert [q for q, _, _ in protocol.asked("- **Have you validated this in TEST? (y/n)**")] == [
        protocol.VALIDATED
    ]
    assert protocol.asked("Type 'PROD' to confirm") == []
    # Marks inside a question, curly quotes and line breaks do not hide it.
    text = "1. Have you validated this in **TEST**?\n(y/n)\n2. Type \u2018`PRODUCTION`\u2019 to confirm"
    assert [q for q, _, _ in protocol.asked(text)] == [protocol.VALIDATED, protocol.TOKEN]


def test_question_literals_come_from_the_prefilter() -> None:
    qs = protocol.questions()
    assert qs[protocol.TOKEN].literals is not None
    assert any("to confirm" in lit for lit in qs[protocol.TOKEN].literals)
    # A message without a question's literals never compiles that question's pattern.
    assert protocol.asked("Deploying now.") == []


def test_a_question_in_its_own_words_is_found_without_compiling_a_pattern() -> None:
    protocol._protocol.cache_clear()  # patterns as a new hook process has them: none compiled
    try:
        qs = protocol.questions()
        for q in qs.values():
            assert protocol.asked(q.text) == [(q.id, 0, len(q.text))]
        assert not any("_compiled" in q.pattern.__dict__ for q in qs.values())
        # Found as the patterns find them: the same answer once they are compiled.
        for q in qs.values():
            assert protocol.asked(q.text) == protocol._matches(protocol.flat(q.text), qs)
        assert [q for q, _, _ in protocol.asked("Have you validated it in TEST?(y/n)")] == [
            protocol.VALIDATED
        ]
    finally:
        protocol._protocol.cache_clear()


def test_explicit_environment_values_read_as_the_pattern_they_replace() -> None:
    # The readers are string methods (a compiled pattern costs before every Bash call); this
    # pattern says what they must find.
    spec = re.compile(
        r"(?i:--?(?:environment|env|stage|target|context|kube-context|profile|project|workspace)"
        r"|\b(?:environment|env|stage|target|kubecontext|aws_profile))"
        r"(?:\s*[=:]\s*|\s+)[\"'`]?([A-Za-z0-9][A-Za-z0-9_.:/@-]*)"
    )
    word = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@-]*")
    pieces = [
        *("--", "-", "env", "ENV", "Environment", "stage", "target", "context", "kube-"),
        *("kube-context", "kubecontext", "aws_profile", "profile", "project", "workspace"),
        *(" ", "\t", "\u00a0", "=", ":", "'", '"', "`", "prod", "acme-prd", "x_", "_", "."),
        *("\u00e9", "\u00df", "\u65e5", "\u0130", "\u212a", "\n", "/", "@"),
    ]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert explicit_values(text) == spec.findall(text), text
        assert value_words(text) == word.findall(text), text
        assert name_parts(text) == re.findall(r"[a-z]+", text.lower()), text


def test_transcript_tags_and_ids_read_as_the_patterns_they_replace() -> None:
    tag = re.compile(r"<command-(?:name|args)>(.*?)</command-(?:name|args)>", re.S)
    tool_id = re.compile(rb'"tool_use_id"\s*:\s*"([^"\\]+)"')
    tags = ["<command-name>", "<command-args>", "</command-name>", "</command-args>"]
    texts = [*tags, "x", "/deploy", " ", "\n", "<", "command"]
    raws = [b'"tool_use_id"', b":", b" ", b"\t", b'"', b"ab", b"\\", b"\n", b'"tool_use_id": "t1"']
    rng = random.Random(11)
    for _ in range(20000):
        text = "".join(rng.choice(texts) for _ in range(rng.randint(0, 12)))
        assert transcript._command_tags(text) == tag.findall(text), text
        raw = b"".join(rng.choice(raws) for _ in range(rng.randint(0, 12)))
        assert transcript._tool_use_ids(raw) == tool_id.findall(raw), raw


@pytest.mark.parametrize(
    ("a", "b", "same_target"),
    [
        ("prod", "gke_acme_prod", True),
        ("prod", "production", True),
        ("prod-eu", "prod-us", False),
        ("prod", "test", False),
        ("staging", "stage", True),
    ],
)
def test_same_target(a: str, b: str, same_target: bool) -> None:
    assert same(key(a, P), key(b, P)) is same_target


def test_mentions() -> None:
    assert mentions("deploy it to --environment=staging please", P, words=False) == {
        frozenset({"staging"})
    }
    assert mentions("now the same on prod", P, words=True) == {frozenset({"prod"})}
    assert mentions("run the product tests", P, words=True) == set()


def test_transcript_reads_only_this_session(tmp_path: Path) -> None:
    turns = read_turns(str(FIXTURES / "transcripts" / "earlier-session.jsonl"), "sess-1")
    assert [t.line for t in turns] == [4, 5]
    assert turns[1].commands == ("kubectl apply -f deploy.yaml --context prod",)


def test_transcript_partial_last_line_is_skipped() -> None:
    turns = read_turns(str(FIXTURES / "transcripts" / "confirmed-prose.jsonl"), "sess-1")
    assert turns[-1].commands  # the Bash call before the half-written line
    assert turns[0].slash and "--environment=prod" in turns[0].text


def test_questions_asked_out_of_order_do_not_confirm() -> None:
    turns = [
        Turn(1, "assistant", text=protocol.wording(False)[2]),
        Turn(2, "user", text="PRODUCTION"),
    ]
    found, notes = find(turns, {key("prod", P)}, False, P, lambda _: set())
    assert found is None and notes


def test_internal_error_asks_never_allows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import safety_lint.guard.decide as decide

    def boom(*_: Any) -> None:
        raise RuntimeError("catalogue exploded")

    monkeypatch.setattr(decide, "pre_tool_use", boom)
    data = {
        "hook_event_name": "PreToolUse",
        "session_id": "s",
        "tool_name": "Bash",
        "tool_input": {"command": "kubectl apply --context prod -f x"},
    }
    assert run.hook(run.Options(), json.dumps(data).encode()) == 0
    out = json.loads(capsys.readouterr().out)["hookSpecificOutput"]
    assert out["permissionDecision"] == "ask"
    assert "catalogue exploded" in out["permissionDecisionReason"]
    monkeypatch.setenv("CI", "true")
    run.hook(run.Options(), json.dumps(data).encode())
    assert json.loads(capsys.readouterr().out)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_prefilter_sends_hidden_words_to_the_analysis() -> None:
    assert not run.may_name_production("git status && pytest -q", P)
    assert run.may_name_production('kubectl --context "p"rod apply', P)
    assert run.may_name_production("kubectl --context $CTX apply", P)
    assert run.may_name_production("kubectl --context {pr,x}od apply", P)


# --- install / uninstall ------------------------------------------------------------------------
def guard(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CLAUDE_PROJECT_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "safety_lint", "guard", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )


def test_install_keeps_other_settings_and_hooks(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    original = (FIXTURES / "settings-with-hooks.json").read_text(encoding="utf-8")
    settings.write_text(original, encoding="utf-8")
    assert guard("install", "--check", "--settings", str(settings)).returncode == 1
    proc = guard("install", "--settings", str(settings), "--audit-log", "audit.jsonl")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(settings.read_text(encoding="utf-8"))
    before = json.loads(original)
    assert {k: v for k, v in data.items() if k != "hooks"} == {
        k: v for k, v in before.items() if k != "hooks"
    }
    assert list(data) == list(before)  # key order kept
    assert data["hooks"]["Stop"] == before["hooks"]["Stop"]
    assert data["hooks"]["PreToolUse"][:2] == before["hooks"]["PreToolUse"]
    ours = data["hooks"]["PreToolUse"][2]
    assert ours["matcher"] == "Bash"
    assert ours["hooks"][0]["command"] == "safety-lint guard --audit-log audit.jsonl"
    assert data["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"].startswith(
        "safety-lint guard"
    )
    assert settings.read_text(encoding="utf-8").startswith('{\n    "model"')  # 4-space indent kept
    assert "bär" in settings.read_text(encoding="utf-8")
    assert (
        guard(
            "install", "--check", "--settings", str(settings), "--audit-log", "audit.jsonl"
        ).returncode
        == 0
    )
    # idempotent: a second install changes nothing
    text = settings.read_text(encoding="utf-8")
    assert (
        "unchanged"
        in guard("install", "--settings", str(settings), "--audit-log", "audit.jsonl").stdout
    )
    assert settings.read_text(encoding="utf-8") == text
    # stale: other options than the ones installed
    stale = guard("install", "--check", "--settings", str(settings), "--mcp-tool", "mcp__k8s__*")
    assert stale.returncode == 1 and "stale" in stale.stdout
    guard("install", "--settings", str(settings), "--mcp-tool", "mcp__k8s__*")
    data = json.loads(settings.read_text(encoding="utf-8"))
    assert len(data["hooks"]["PreToolUse"]) == 3  # replaced, not added twice
    assert data["hooks"]["PreToolUse"][2]["matcher"] == "Bash|mcp__k8s__.*"
    # uninstall removes only its own entries
    assert guard("uninstall", "--settings", str(settings)).returncode == 0
    assert json.loads(settings.read_text(encoding="utf-8")) == before


def test_install_into_a_new_project(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    proc = guard("install", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert set(data["hooks"]) == {"PreToolUse", "UserPromptSubmit"}
    assert guard("uninstall", cwd=tmp_path).returncode == 0
    assert json.loads((tmp_path / ".claude" / "settings.json").read_text()) == {}


def test_install_refuses_a_broken_settings_file(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"hooks": [1, 2]}')
    proc = guard("install", "--settings", str(settings))
    assert proc.returncode == 2
    assert "'hooks' is not an object" in proc.stderr
    assert settings.read_text() == '{"hooks": [1, 2]}'
    settings.write_text("{broken")
    proc = guard("install", "--settings", str(settings))
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr


def test_install_user_settings(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "safety_lint", "guard", "install", "--user"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert data["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == "safety-lint guard"


def test_prompt_internal_error_still_adds_rule_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import safety_lint.guard.prompt as prompt

    def boom(*_: Any) -> None:
        raise RuntimeError("no pack")

    monkeypatch.setattr(prompt, "user_prompt_submit", boom)
    data = {"hook_event_name": "UserPromptSubmit", "session_id": "s", "prompt": "/deploy prod"}
    assert run.hook(run.Options(), json.dumps(data).encode()) == 0
    captured = capsys.readouterr()
    assert "Rule #0" in json.loads(captured.out)["hookSpecificOutput"]["additionalContext"]
    assert captured.err.count("\n") == 1 and "no pack" in captured.err


def test_fast_path_data_is_the_rule_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default production patterns are the catalogue's (`production:`), read through the
    settings cache; the bundled pack is where the rule-pack loader finds it."""
    from safety_lint import catalogue, rulepack
    from safety_lint.guard import cache, settings

    monkeypatch.setenv("SAFETY_LINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    pack = tuple(p for p in catalogue.default_catalogue().production if p.isalpha())
    assert "prod" in pack
    for _ in range(2):  # made, then read from the cache
        assert settings.resolve(run.Options(), {"cwd": str(tmp_path)}).patterns == pack
    assert Path(cache.bundled_rules()) == rulepack.bundled_rules_dir()


_WORDS = [
    "kubectl",
    "apply",
    "delete",
    "helm",
    "upgrade",
    "--context",
    "-n",
    "psql",
    "-c",
    "DROP",
    "TABLE",
    "deploy",
    "./release.sh",
    "env",
    "X=1",
    "bash",
    "sh",
    "sudo",
    "&&",
    ";",
    "|",
    "staging",
    "test",
    "prd1x",
    "live",
    "pr",
    "od",
    "'",
    '"',
    "\\",
    "eval",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", ""])), max_size=12))
def test_prefilter_never_hides_a_production_call(words: list[tuple[str, str]]) -> None:
    """Whatever the fast path lets through unanalysed, the analysis would not stop either
    (words are glued together too: `"pr"od` is `prod` to a shell)."""
    from safety_lint.guard.decide import bash_findings

    command = "".join(w + sep for w, sep in words)
    if not run.may_name_production(command, P):
        opts = run.Options()
        opts.patterns = P
        assert bash_findings(command, opts) == []
