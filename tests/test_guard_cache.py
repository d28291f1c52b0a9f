"""The guard's fast forms: the cached tool catalogue reads as the built one (and is rebuilt when
damaged, stale or not private), records behave as frozen dataclasses, lazy patterns as compiled
ones, and the hook's analysed path imports none of the heavy modules."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safety_lint import record
from safety_lint.catalogue import Catalogue, analyse_script, default_catalogue
from safety_lint.guard import cache, settings
from safety_lint.lazyre import LazyPattern, lazy

FIXTURES = Path(__file__).parent.parent / "fixtures" / "guard"
CASES = json.loads((FIXTURES / "commands.json").read_text(encoding="utf-8"))["cases"]
# More commands, one for each way the catalogue decides (rule, condition, pattern-claimed tool,
# SQL statement, remote command, generic verb, by-name script, dry run, help).
MORE = [
    "kubectl --context acme-prd -n payments apply -f k8s/",
    "helm -n x upgrade app ./chart --kube-context prod",
    "terraform -chdir=infra apply -auto-approve",
    "aws --profile prod s3 rm s3://bucket/x --recursive",
    "docker --context prod run --rm app migrate",
    "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile t.json",
    "Get-AzResourceGroup",
    "psql postgres://db.prod.internal/app -c 'DELETE FROM users'",
    "ssh deploy@web-1.prod 'sudo systemctl restart api'",
    "kamal deploy -d production",
    "npm run deploy:prod",
    "make deploy ENV=prod",
    "kubectl apply -f x.yaml --dry-run=server --context prod",
    "gcloud run deploy api --help",
    "xargs -n1 kubectl delete ns --context prod < namespaces.txt",
    'cd "$(git rev-parse --show-toplevel)" && make test',
]


def _cached(catalogue: Catalogue) -> Catalogue:
    return cache.decode(cache.encode(catalogue, "k"), "k")


def test_cached_catalogue_is_the_built_one() -> None:
    built = default_catalogue()
    cached = _cached(built)
    assert list(cached.families) == list(built.families)
    assert dict(cached.by_tool) == dict(built.by_tool)
    assert list(cached.tool_patterns) == list(built.tool_patterns)
    for name in record.fields(built):
        if name not in ("families", "by_tool", "tool_patterns"):
            assert getattr(cached, name) == getattr(built, name), name


@pytest.mark.parametrize("command", [c["command"] for c in CASES] + MORE)
def test_cached_catalogue_analyses_as_the_built_one(command: str) -> None:
    built = default_catalogue()
    assert analyse_script(command, _cached(built)) == analyse_script(command, built)


def test_only_the_families_of_the_named_tools_are_decoded() -> None:
    cached = _cached(default_catalogue())
    families = cached.by_tool.families  # type: ignore[attr-defined]
    assert families.built == {}
    analyse_script("kubectl apply -f x.yaml --context prod", cached)
    assert set(families.built) == {"kubernetes"}
    assert cached.by_tool.get("no-such-tool") is None


def _store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[int]]:
    """A source file, the cache folder, and a `make` that counts its calls."""
    monkeypatch.setenv("SAFETY_LINT_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "catalogue.yaml"
    source.write_text("catalogue: {}\n")
    _trust_new_files(monkeypatch)
    return [str(source)], []


def _trust_new_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files changed just now are cached too (by default they are not: the next test)."""
    monkeypatch.setattr(settings, "SETTLED_NS", 0)


def test_nothing_is_kept_from_a_file_changed_just_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Within one tick of the file system's clock a file can change again with the same size
    # and times; what was read from it is not kept until it has not changed for 2 seconds.
    monkeypatch.setenv("SAFETY_LINT_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "rules.yaml"
    source.write_text("a: 1\n")
    assert cache.load_yaml(str(source)) == {"a": 1}
    source.write_text("a: 2\n")  # same size, and maybe the same times
    assert cache.load_yaml(str(source)) == {"a": 2}
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    calls: list[int] = []
    cache.catalogue([str(source)], (), lambda: _make(calls))
    cache.catalogue([str(source)], (), lambda: _make(calls))
    assert len(calls) == 2
    changed = source.stat().st_ctime_ns
    monkeypatch.setattr(settings, "clock", lambda: changed + settings.SETTLED_NS)
    cache.catalogue([str(source)], (), lambda: _make(calls))
    cache.catalogue([str(source)], (), lambda: _make(calls))
    assert len(calls) == 3, "2 seconds later it is kept"


def _make(calls: list[int]) -> Catalogue:
    calls.append(1)
    return default_catalogue()


def test_catalogue_entry_is_reused_then_rebuilt_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, calls = _store(tmp_path, monkeypatch)
    first = cache.catalogue(sources, (), lambda: _make(calls))
    again = cache.catalogue(sources, (), lambda: _make(calls))
    assert len(calls) == 1 and dict(again.by_tool) == dict(first.by_tool)
    (entry,) = (tmp_path / "cache").iterdir()
    good = entry.read_bytes()
    damaged = [
        good[:-100],  # cut short
        good[:40] + bytes([good[40] ^ 1]) + good[41:],  # a bit of the header
        good[:4] + b"\xff\xff\xff\xff" + good[8:],  # a header size of 4 GiB
        b"not a cache at all",
    ]
    for count, data in enumerate(damaged, 2):
        entry.write_bytes(data)
        result = cache.catalogue(sources, (), lambda: _make(calls))
        assert len(calls) == count, "a damaged entry is built again"
        assert entry.read_bytes() == good, "and stored again"
        assert dict(result.by_tool) == dict(first.by_tool)


def test_a_damaged_family_raises_instead_of_misleading() -> None:
    data = bytearray(cache.encode(default_catalogue(), "k"))
    data[-50] ^= 0xFF  # inside the last family
    cached = cache.decode(bytes(data), "k")
    last = list(cached.families.families.spans)[-1]  # type: ignore[attr-defined]
    with pytest.raises(cache.Corrupt):
        cached.families.families.get(last)  # type: ignore[attr-defined]


def test_catalogue_entry_of_other_sources_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, calls = _store(tmp_path, monkeypatch)
    cache.catalogue(sources, (), lambda: _make(calls))
    Path(sources[0]).write_text("catalogue: {families: []}\n")  # new bytes: a new key
    cache.catalogue(sources, (), lambda: _make(calls))
    assert len(calls) == 2
    with pytest.raises(cache.Corrupt):
        cache.decode(cache.encode(default_catalogue(), "one key"), "another key")


def test_catalogue_entry_others_can_write_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, calls = _store(tmp_path, monkeypatch)
    cache.catalogue(sources, (), lambda: _make(calls))
    (entry,) = (tmp_path / "cache").iterdir()
    entry.chmod(0o666)
    cache.catalogue(sources, (), lambda: _make(calls))
    assert len(calls) == 2
    entry.chmod(0o600)
    (tmp_path / "cache").chmod(0o777)
    try:
        cache.catalogue(sources, (), lambda: _make(calls))
    finally:
        (tmp_path / "cache").chmod(0o700)
    assert len(calls) == 3


def test_derived_data_is_rebuilt_when_its_source_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFETY_LINT_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "rules.yaml"
    _trust_new_files(monkeypatch)
    source.write_text("a: 1\n")
    assert cache.load_yaml(str(source)) == {"a": 1}
    (entry,) = (tmp_path / "cache").iterdir()
    entry.write_text('{"key": "x", "data": {"a": 2}}')  # another key: not used
    assert cache.load_yaml(str(source)) == {"a": 1}
    source.write_text("a: 333\n")
    assert cache.load_yaml(str(source)) == {"a": 333}
    before = source.stat()
    time.sleep(0.05)  # past a tick of the file system's clock
    source.write_text("a: 444\n")  # the same size
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))  # the old times (cp -p, tar)
    assert cache.load_yaml(str(source)) == {"a": 444}, "the change time still tells"


# --- records and lazy patterns -------------------------------------------------------------------
@record.record
class Point:
    x: int
    y: int = 0
    tags: frozenset[str] = frozenset()


def test_record_behaves_as_a_frozen_dataclass() -> None:
    p = Point(1, tags=frozenset({"a"}))
    assert (p.x, p.y, p.tags) == (1, 0, frozenset({"a"}))
    assert p == Point(x=1, y=0, tags=frozenset({"a"})) and p != Point(2)
    assert hash(p) == hash(Point(1, 0, frozenset({"a"})))
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=frozenset())"
    assert p.__eq__((1, 0, frozenset({"a"}))) is NotImplemented  # another type is not equal
    with pytest.raises(AttributeError):
        p.x = 3  # type: ignore[misc]
    assert record.replace(p, y=5) == Point(1, 5, frozenset({"a"})) and p.y == 0
    assert record.fields(p) == ("x", "y", "tags")
    for bad in ((), (1, 2, frozenset(), 4)):
        with pytest.raises(TypeError):
            Point(*bad)
    with pytest.raises(TypeError):
        Point(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError):
        record.replace(p, z=1)
    assert record.build(Point, [4]) == Point(4)
    assert record.trailing_defaults(Point(1, 0)) == 2 and record.trailing_defaults(Point(1, 2)) == 1
    # Positional with some defaults left out: the defaults fill the rest, none are shared.
    assert (Point(7).y, Point(7, 3).tags, Point(7, 3).x) == (0, frozenset(), 7)
    assert record.replace(Point(1), y=2) == Point(1, 2)


def test_a_record_field_without_a_default_cannot_follow_one_with_a_default() -> None:
    with pytest.raises(TypeError, match="follows one with a default"):

        @record.record
        class Bad:
            x: int = 0
            y: int


def test_replace_falls_back_to_dataclasses_for_a_dataclass() -> None:
    import dataclasses

    @dataclasses.dataclass
    class Plain:
        a: int
        b: int = 0

    assert record.replace(Plain(1), b=2) == Plain(1, 2)


def test_lazy_pattern_is_compiled_on_first_use_and_behaves_as_compiled() -> None:
    pattern = lazy(r"(pro)d", re.I)
    assert isinstance(pattern, LazyPattern) and "_compiled" not in vars(pattern)
    compiled = re.compile(r"(pro)d", re.I)
    text = "PROD and prod"
    assert pattern.search(text).group(1) == compiled.search(text).group(1)  # type: ignore[union-attr]
    assert "_compiled" in vars(pattern)
    assert pattern.findall(text) == compiled.findall(text)
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert pattern.sub("x", text) == compiled.sub("x", text)
    assert pattern.groups == 1 and pattern == compiled and hash(pattern) == hash(compiled)
    assert lazy("a") == lazy("a") and lazy("a") != lazy("b")


# --- what the hook imports -----------------------------------------------------------------------
HEAVY = ("dataclasses", "typing", "pathlib", "pickle", "hashlib", "inspect", "ruamel", "typer")
# The entry point ends the process itself (os._exit): the probe reports just before it.
_PROBE = """
import json, os, sys
exit = os._exit

def report(code):
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
    sys.stdout.flush()
    sys.stderr.write("\\n" + json.dumps(heavy))
    sys.stderr.flush()
    exit(code)

os._exit = report
sys.argv = ["safety-lint", "guard"]
from safety_lint.entry import main
main()
"""


@pytest.mark.parametrize(
    ("command", "transcript", "decision"),
    [
        ("git status && pytest -q", None, ""),
        ("kubectl get pods --context prod", None, ""),
        ("kubectl apply -f deploy.yaml --context prod", None, "ask"),
        ("kubectl apply -f deploy.yaml --context prod", "confirmed-tool.jsonl", "allow"),
    ],
)
def test_hook_imports_no_heavy_module(
    tmp_path: Path, command: str, transcript: str | None, decision: str
) -> None:
    data = json.loads((FIXTURES / "payloads" / "pretooluse-bash.json").read_text())
    data["tool_input"]["command"] = command
    data["transcript_path"] = str(FIXTURES / "transcripts" / transcript) if transcript else "/x"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "CLAUDE_CODE_ENTRYPOINT")}
    env["SAFETY_LINT_CACHE_DIR"] = str(tmp_path)
    probe = _PROBE.replace("{heavy!r}", repr(set(HEAVY)))
    for _ in range(2):  # the first run builds the cache (it may import anything)
        proc = subprocess.run(
            [sys.executable, "-c", probe],
            input=json.dumps(data).encode(),
            capture_output=True,
            env=env,
            check=False,
        )
    assert json.loads(proc.stderr.decode().splitlines()[-1]) == []
    out = proc.stdout.decode().strip()
    assert (json.loads(out)["hookSpecificOutput"]["permissionDecision"] if out else "") == decision
