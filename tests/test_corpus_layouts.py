"""Real layouts rebuilt from the shared corpus: its MANIFEST.tsv keeps each file's original path
(`plugins/<plugin>/agents/x.md`, `skills/<area>/<product>/<skill>/SKILL.md`), so a repository
can be put back the way its authors keep it, and checked with no remapping into `.claude/`.
The manifests a plugin repository ships (marketplace.json, plugin.json) are not in the corpus:
the test writes the ones those layouts need, listing the folders that are there."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path, PurePosixPath

import pytest
from conftest import CORPUS, run_repo

pytestmark = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(), reason="../shared/corpus is not present"
)


def rebuild(repo: str, dest: Path) -> dict[str, str]:
    """Copy one corpus repository's files to their original paths; {original path: kind}."""
    out: dict[str, str] = {}
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["repo"] != repo:
                continue
            original = row["original_path"]
            target = dest / original
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(CORPUS / row["corpus_path"], target)
            parts = PurePosixPath(original).parts
            kind = (
                "skill" if parts[-1] == "SKILL.md" else "agent" if "agents" in parts else "command"
            )
            out[original] = kind
    return out


def marketplace(root: Path, folder: str = "plugins") -> list[str]:
    names = sorted(p.name for p in (root / folder).iterdir() if p.is_dir())
    entries = [{"name": n, "source": f"./{folder}/{n}"} for n in names]
    (root / ".claude-plugin").mkdir()
    (root / ".claude-plugin/marketplace.json").write_text(
        json.dumps({"name": "rebuilt", "owner": {"name": "test"}, "plugins": entries})
    )
    return names


def verdicts(root: Path, expected: dict[str, str]) -> dict[str, tuple[str, str | None, str]]:
    results = {r.path: r for r in run_repo(root).results}
    missing = sorted(set(expected) - set(results))
    assert not missing, f"{len(missing)} files got no verdict, e.g. {missing[:3]}"
    for path, r in results.items():
        assert not any(v.requirement == "internal-error" for v in r.violations), (path, r)
    return {p: (results[p].kind, results[p].plugin, results[p].name) for p in expected}


@pytest.mark.parametrize(
    "repo",
    ["wshobson/agents", "melodic-software/claude-code-plugins", "wasabeef/claude-code-cookbook"],
)
def test_a_plugin_marketplace_checked_as_it_is(repo: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    expected = rebuild(repo, root)
    plugins = marketplace(root)
    got = verdicts(root, expected)
    for path, (kind, plugin, name) in got.items():
        assert kind == expected[path], path
        if not path.startswith("plugins/"):  # the repository's own .claude/ folder
            assert plugin is None, path
            continue
        assert plugin == PurePosixPath(path).parts[1] and plugin in plugins, path
        assert name.lstrip("/").startswith(f"{plugin}:"), (path, name)


def test_a_skills_plugin_whose_manifest_names_the_skill_folders(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    expected = rebuild("aliyun/alibabacloud-aiops-skills", root)
    assert expected and set(expected.values()) == {"skill"}
    folders = sorted({PurePosixPath(p).parent.parent.as_posix() for p in expected})
    (root / ".claude-plugin").mkdir()
    (root / ".claude-plugin/plugin.json").write_text(
        json.dumps({"name": "aiops", "skills": [f"./{f}/" for f in folders]})
    )
    got = verdicts(root, expected)
    assert {kind for kind, _, _ in got.values()} == {"skill"}
    assert all(name.startswith("/aiops:") for _, _, name in got.values())


@pytest.mark.parametrize("repo", ["jleechanorg/claude-commands", "dmzoneill/redhat-ai-workflow"])
def test_a_root_claude_folder_rebuilt(repo: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    expected = {p: k for p, k in rebuild(repo, root).items() if p.startswith(".claude/")}
    got = verdicts(root, expected)
    assert all(plugin is None for _, plugin, _ in got.values())
