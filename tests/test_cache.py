"""The result cache and the rule pack cache: what each change invalidates, that a cache
nobody can trust is ignored, and that a cached run prints exactly what an uncached one does."""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE_REPO

from safety_lint import engine
from safety_lint.cache import cached_object, pack_key
from safety_lint.rulepack import RulePack, bundled_rules_dir, default_pack, load_pack
from safety_lint.runner import CheckRequest, run_check

AGENT = "---\nname: dataset-deployer\ndescription: Loads the stack\nsafety-class: {cls}\n---\n# Dataset Deployer\n\nLoads data.\n"
COMMAND = "---\ndescription: Ship the stack\n---\n# Ship\n\n1. Invoke the `dataset-deployer` agent for the stack.\n"
TEAM_RULE = """rules:
  - code: TM001
    name: team-owner-line
    severity: error
    check: statement
    applies:
      - kind: command
    options:
      patterns: ['\\bowner:']
    doc:
      what: The file names its owner.
      why: Someone answers for it.
      fix: Add an `owner:` line.
      example: "owner: data-platform"
      failing: "(no owner line)"
"""


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "user-cache"
    monkeypatch.setenv("SAFETY_LINT_CACHE_DIR", str(home))
    monkeypatch.delenv("SAFETY_LINT_NO_CACHE", raising=False)
    return home


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files a run parses and checks (a cache hit is not among them)."""
    seen: list[str] = []
    real = engine.process

    def counting(target, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(target.rel)
        return real(target, *args, **kwargs)

    monkeypatch.setattr(engine, "process", counting)
    yield seen


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE_REPO, root)
    return root


def check(root: Path, *extra: str, cache: bool = True, fmt: str = "json") -> str:
    request = CheckRequest(
        paths=[root], cwd=root, formats=[fmt], cache=cache, select=list(extra), jobs=1
    )
    return run_check(request).stdout


def test_cached_and_uncached_output_are_byte_identical(
    tmp_path: Path, cache_home: Path, processed: list[str]
) -> None:
    root = repo(tmp_path)
    for fmt in ("json", "text", "sarif"):
        cold = check(root, fmt=fmt)
        warm = check(root, fmt=fmt)
        assert warm == cold == check(root, cache=False, fmt=fmt)
    processed.clear()
    check(root)
    # Every verdict from the cache, those of the files that invoke agents too: neither they
    # nor the agents changed.
    assert processed == []
    assert not (root / ".safety-lint-cache").exists(), "nothing is written into the repository"


def test_a_changed_file_is_checked_again_and_only_it(
    tmp_path: Path, cache_home: Path, processed: list[str]
) -> None:
    root = repo(tmp_path)
    check(root)
    processed.clear()
    check(root)
    again = set(processed)
    assert again == set()
    target = next(
        p
        for p in sorted((root / ".claude").rglob("*.md"))
        if p.relative_to(root).as_posix() not in again
    )
    text = target.read_text(encoding="utf-8")
    target.write_text("# Stub\n\nNothing here yet.\n", encoding="utf-8")  # sections gone
    processed.clear()
    warm = check(root)
    assert set(processed) - again == {target.relative_to(root).as_posix()}
    assert warm == check(root, cache=False)
    assert warm != check_with_text(root, target, text)


def check_with_text(root: Path, target: Path, text: str) -> str:
    target.write_text(text, encoding="utf-8")
    return check(root)


def test_a_changed_configuration_checks_everything_again(
    tmp_path: Path, cache_home: Path, processed: list[str]
) -> None:
    root = repo(tmp_path)
    before = check(root)
    config = root / ".safety-lint.yaml"
    original = config.read_text(encoding="utf-8") if config.exists() else ""
    config.write_text(original + "\nignore: [PS101]\n", encoding="utf-8")
    processed.clear()
    after = check(root)
    assert processed, "a new configuration is not answered from the old cache"
    assert after == check(root, cache=False)
    assert "PS101" in before and '"PS101"' not in after


def test_a_changed_rule_pack_checks_everything_again(
    tmp_path: Path, cache_home: Path, processed: list[str]
) -> None:
    root = tmp_path / "team"
    (root / ".claude/commands").mkdir(parents=True)
    (root / ".claude/commands/ship.md").write_text(COMMAND, encoding="utf-8")
    (root / "team-rules").mkdir()
    (root / ".safety-lint.yaml").write_text(
        "core-documents: []\nrules: [team-rules]\n", encoding="utf-8"
    )
    (root / "team-rules/team.yaml").write_text("rules: []\n", encoding="utf-8")
    assert "TM001" not in check(root)
    (root / "team-rules/team.yaml").write_text(TEAM_RULE, encoding="utf-8")
    default_pack.cache_clear()  # a new process, as the next commit's pre-commit run is
    processed.clear()
    after = check(root)
    assert processed == [".claude/commands/ship.md"]
    assert '"TM001"' in after and after == check(root, cache=False)


def delegating_repo(tmp_path: Path, cls: str) -> tuple[Path, Path]:
    """A command that invokes an agent of class `cls`: (root, the agent's file)."""
    root = tmp_path / "team"
    (root / ".claude/commands").mkdir(parents=True)
    (root / ".claude/agents").mkdir(parents=True)
    (root / ".safety-lint.yaml").write_text("core-documents: []\n", encoding="utf-8")
    agent = root / ".claude/agents/dataset-deployer.md"
    agent.write_text(AGENT.format(cls=cls), encoding="utf-8")
    (root / ".claude/commands/ship.md").write_text(COMMAND, encoding="utf-8")
    return root, agent


def test_a_changed_agent_class_changes_the_commands_that_delegate_to_it(
    tmp_path: Path, cache_home: Path
) -> None:
    root, agent = delegating_repo(tmp_path, "read-only")

    def command_class() -> str:
        data = json.loads(check(root))
        return next(f["class"] for f in data["files"] if f["path"].endswith("ship.md"))

    assert command_class() == "read-only"
    agent.write_text(AGENT.format(cls="deployment"), encoding="utf-8")
    assert command_class() == "deployment"
    assert check(root) == check(root, cache=False)


def test_a_corrupt_or_forged_cache_is_ignored(
    tmp_path: Path, cache_home: Path, processed: list[str]
) -> None:
    root = repo(tmp_path)
    expected = check(root, cache=False)
    check(root)
    processed.clear()
    check(root)
    again = set(processed)
    assert again == set()
    everything = {p.relative_to(root).as_posix() for p in (root / ".claude").rglob("*.md")}
    shards = sorted((cache_home / "results").rglob("results-*.json"))
    assert shards
    mac, _, body = shards[0].read_bytes().partition(b"\n")
    data = json.loads(body)
    for entry in data["entries"].values():  # every verdict forged to pass
        entry["result"]["status"] = "pass"
        entry["result"]["violations"] = []
    shards[0].write_bytes(mac + b"\n" + json.dumps(data).encode())
    for other in shards[1:]:
        other.write_bytes(b"\x00garbage{")
    processed.clear()
    assert check(root) == expected
    assert everything <= set(processed), "entries that do not verify are checked again"
    processed.clear()
    assert check(root) == expected
    assert set(processed) == again, "and stored again, signed"


def test_no_cache_reads_and_writes_nothing(tmp_path: Path, cache_home: Path) -> None:
    root = repo(tmp_path)
    check(root, cache=False)
    assert not (cache_home / "results").exists()


def test_a_cache_folder_given_with_cache_dir_is_used(tmp_path: Path, cache_home: Path) -> None:
    root = repo(tmp_path)
    folder = root / ".safety-lint-cache"
    request = CheckRequest(paths=[root], cwd=root, formats=["json"], cache_dir=folder)
    first = run_check(request).stdout
    assert list(folder.glob("results-*.json"))
    assert (folder / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    assert run_check(request).stdout == first


# The rule pack cache: pickled, so only ever read from a private file of this user.


def _pack_cache(home: Path) -> tuple[Path, Path]:
    folder = home / "packs"
    return folder, folder / f"{pack_key([bundled_rules_dir()])}.pickle"


def _load(folder: Path) -> RulePack:
    return cached_object(
        folder,
        pack_key([bundled_rules_dir()]),
        lambda: load_pack([bundled_rules_dir()]),
        lambda found: isinstance(found, RulePack),
    )


def test_the_pack_cache_is_written_private_and_read_back(cache_home: Path) -> None:
    folder, path = _pack_cache(cache_home)
    first = _load(folder)
    assert path.is_file() and not path.stat().st_mode & 0o077
    again = _load(folder)
    assert [r.code for r in again.rules] == [r.code for r in first.rules]
    part = next(p for r in again.rules for p in r.parts if p.patterns)
    assert type(part.patterns[0]).__name__ == "LazyPattern"  # compiled when first used
    assert part.patterns == next(p for r in first.rules for p in r.parts if p.patterns).patterns
    assert part.patterns[0].search("") is None or part.patterns[0].search("") is not None
    assert again.find("PS101") is not None


def test_a_corrupt_pack_cache_is_rebuilt(cache_home: Path) -> None:
    folder, path = _pack_cache(cache_home)
    _load(folder)
    path.write_bytes(b"not a pickle")
    assert len(_load(folder).rules) > 10
    assert pickle.loads(path.read_bytes()).rules  # rewritten


def test_a_pack_cache_others_can_write_is_never_loaded(cache_home: Path) -> None:
    folder, path = _pack_cache(cache_home)
    _load(folder)

    marker = folder / "loaded"

    class Planted:  # loading it would create `marker`
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (open, (str(marker), "w"))

    path.write_bytes(pickle.dumps(Planted()))
    path.chmod(0o666)  # group- and world-writable: not this user's alone
    assert len(_load(folder).rules) > 10
    assert not marker.exists()


SKILL = "---\nname: roll-out\ndescription: Roll the service out\n---\n# Roll out\n\n1. Run `scripts/run.sh` with the service name.\n"


def test_a_changed_bundled_file_checks_its_skill_again(tmp_path: Path, cache_home: Path) -> None:
    root = tmp_path / "team"
    skill = root / ".claude/skills/roll-out"
    (skill / "scripts").mkdir(parents=True)
    (root / ".safety-lint.yaml").write_text("core-documents: []\n", encoding="utf-8")
    (skill / "SKILL.md").write_text(SKILL, encoding="utf-8")
    script = skill / "scripts/run.sh"
    script.write_text("#!/bin/sh\necho checking the inputs\n", encoding="utf-8")
    before = check(root)
    assert before == check(root, cache=False)
    script.write_text("#!/bin/sh\nkubectl apply -f prod.yaml\n", encoding="utf-8")
    after = check(root)
    assert after == check(root, cache=False)
    assert after != before, "the script SKILL.md names is part of the skill's verdict"


def test_a_changed_agent_checks_again_only_it_and_the_files_that_invoke_it(
    tmp_path: Path, cache_home: Path, processed: list[str]
) -> None:
    root, agent = delegating_repo(tmp_path, "deployment")
    (root / ".claude/commands/notes.md").write_text("# Notes\n\nRead the notes.\n", "utf-8")
    check(root)
    processed.clear()
    assert check(root) == check(root, cache=False)
    processed.clear()
    check(root)
    assert processed == []
    # The command's bytes did not change, but the agent it invokes did: its cached verdict
    # (checked against the agent as it was) is not used.
    agent.write_text(AGENT.format(cls="read-only"), encoding="utf-8")
    warm = check(root)
    assert sorted(processed) == [".claude/agents/dataset-deployer.md", ".claude/commands/ship.md"]
    assert warm == check(root, cache=False)
