"""Every place Claude Code finds a command, skill or agent: fixture repositories in
`fixtures/layouts/`, checked as they are (no remapping into `.claude/`)."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli, run_repo

from safety_lint.config import load_config
from safety_lint.discover import discover_repository, kind_of, select_paths
from safety_lint.engine import select
from safety_lint.rulepack import default_pack

LAYOUTS = FIXTURES / "layouts"


def copy(name: str, tmp_path: Path) -> Path:
    return shutil.copytree(LAYOUTS / name, tmp_path / name)


def files(root: Path) -> list[tuple[str, str, str | None, str]]:
    """(path, kind, plugin, name) of every command, skill and agent, as a run reports them."""
    return [
        (r.path, r.kind, r.plugin, r.name) for r in run_repo(root).results if r.kind != "document"
    ]


def test_a_root_skill_is_a_command_named_by_its_frontmatter_else_its_folder(
    tmp_path: Path,
) -> None:
    root = copy("root-skill", tmp_path)
    assert files(root) == [
        (".claude/skills/release-notes/SKILL.md", "skill", None, "/release-notes"),
        (".claude/skills/unnamed/SKILL.md", "skill", None, "/unnamed"),
    ]


def test_nested_project_folders_are_found_and_vendored_ones_are_not(tmp_path: Path) -> None:
    root = copy("nested", tmp_path)
    # A vendored package (made here: node_modules folders are usually ignored).
    (root / "node_modules/pkg/.claude/commands").mkdir(parents=True, exist_ok=True)
    (root / "node_modules/pkg/.claude/commands/vendored.md").write_text("# Vendored\n")
    assert files(root) == [
        (".claude/commands/status.md", "command", None, "/status"),
        ("apps/web/.claude/agents/web-reader.md", "agent", None, "web-reader"),
        ("apps/web/.claude/commands/web-status.md", "command", None, "/web-status"),
        ("apps/web/.claude/skills/web-notes/SKILL.md", "skill", None, "/web-notes"),
    ]
    targets = {t.rel: t for t in discover_repository(root, []).targets}
    assert targets["apps/web/.claude/commands/web-status.md"].scope == "nested:apps/web"
    assert kind_of("apps/web/.claude/skills/web-notes/SKILL.md", []) == "skill"
    assert kind_of("apps/web/.claude/skills/README.md", []) is None


def test_a_plugin_with_default_folders(tmp_path: Path) -> None:
    root = copy("plugin-defaults", tmp_path)
    base = "tools/ops-plugin"
    assert files(root) == [
        (f"{base}/agents/release-reader.md", "agent", "ops", "ops:release-reader"),
        (f"{base}/commands/release-status.md", "command", "ops", "/ops:release-status"),
        (f"{base}/skills/changelog/SKILL.md", "skill", "ops", "/ops:changelog"),
    ]


def test_plugin_json_paths_replace_the_default_folders(tmp_path: Path) -> None:
    root = copy("plugin-custom", tmp_path)
    assert files(root) == [
        ("extras/report.md", "command", "custom", "/custom:report"),
        ("more-commands/ops/summary.md", "command", "custom", "/custom:summary"),
        ("my-skills/notes/SKILL.md", "skill", "custom", "/custom:notes"),
        ("team-agents/reader.md", "agent", "custom", "custom:reader"),
    ]  # commands/replaced.md: plugin.json names `commands`, so Claude Code never reads it


def test_a_marketplace_with_two_plugins_in_the_repository(tmp_path: Path) -> None:
    root = copy("marketplace", tmp_path)
    (tmp_path / "outside/commands").mkdir(parents=True)
    (tmp_path / "outside/commands/secret.md").write_text("# Outside\n")
    assert files(root) == [
        ("plugins/alpha/agents/alpha-reader.md", "agent", "alpha", "alpha:alpha-reader"),
        ("plugins/alpha/commands/alpha-status.md", "command", "alpha", "/alpha:alpha-status"),
        ("plugins/beta/commands/beta-status.md", "command", "beta", "/beta:beta-status"),
        ("plugins/beta/skills/beta-notes/SKILL.md", "skill", "beta", "/beta:beta-notes"),
    ]
    problems = discover_repository(root, []).problems
    assert problems == [
        (
            ".claude-plugin/marketplace.json",
            "plugin source `../../outside` is outside the root; not read",
        )
    ]


def test_json_and_sarif_say_the_kind_and_the_plugin(tmp_path: Path) -> None:
    root = copy("marketplace", tmp_path)
    deploy = root / "plugins/alpha/commands/alpha-deploy.md"
    deploy.write_text("---\nsafety-class: deployment\n---\n# Alpha Deploy\n\nDeploys alpha.\n")
    out = cli(root, "check", "--format", "json", ".")
    entry = next(f for f in json.loads(out.stdout)["files"] if f["path"].endswith("SKILL.md"))
    assert (entry["kind"], entry["plugin"], entry["name"]) == ("skill", "beta", "/beta:beta-notes")
    sarif = json.loads(cli(root, "check", "--format", "sarif", ".").stdout)
    props = [
        r["properties"]
        for r in sarif["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
            "alpha-deploy.md"
        )
    ]
    assert props and all(p == {"kind": "command", "plugin": "alpha"} for p in props)


def test_a_broken_plugin_manifest_is_a_problem_with_its_line_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    root = copy("plugin-defaults", tmp_path)
    manifest = root / "tools/ops-plugin/.claude-plugin/plugin.json"
    manifest.write_text('{\n  "name": "ops",\n  "commands": [\n}\n')
    out = cli(root, "check", "--format", "json", ".")
    assert "tools/ops-plugin/.claude-plugin/plugin.json:4: invalid JSON" in out.stderr
    assert "Traceback" not in out.stderr and out.returncode in (0, 1)
    paths = [f["path"] for f in json.loads(out.stdout)["files"]]
    assert "tools/ops-plugin/commands/release-status.md" in paths  # named after its folder


def test_a_plugin_path_outside_the_root_is_not_read(tmp_path: Path) -> None:
    root = copy("plugin-custom", tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/x.md").write_text("# X\n")
    manifest = root / ".claude-plugin/plugin.json"
    manifest.write_text(json.dumps({"name": "custom", "commands": "../elsewhere/"}))
    selection = discover_repository(root, [])
    assert not any("elsewhere" in t.rel for t in selection.targets)
    assert ("../elsewhere", "plugin path points outside the root; not read") in [
        (p.rstrip("/"), m) for p, m in selection.problems
    ]


def test_a_skill_shadowing_a_command_is_reported_on_the_command(tmp_path: Path) -> None:
    root = copy("shadow", tmp_path)
    by_path = {r.path: r for r in run_repo(root).results}
    command = by_path[".claude/commands/ops/release-notes.md"]
    assert [(v.rule, v.line) for v in command.violations] == [("PS407", 1)]
    assert "shadowed by .claude/skills/release-notes/SKILL.md" in command.violations[0].message
    assert "dead text" in command.violations[0].message
    assert by_path[".claude/skills/release-notes/SKILL.md"].violations == []


def test_a_personal_skill_shadows_the_project_command(tmp_path: Path) -> None:
    root = copy("shadow", tmp_path)
    home = tmp_path / "home"
    (home / ".claude/skills/release-notes").mkdir(parents=True)
    shutil.copy(
        root / ".claude/skills/release-notes/SKILL.md",
        home / ".claude/skills/release-notes/SKILL.md",
    )
    pack, config = default_pack(), load_config(root)
    from safety_lint.check import Selector
    from safety_lint.engine import lint

    run = lint(select(root, [], pack, config, user_home=home), pack, config, Selector())
    by_path = {r.path: r for r in run.results}
    assert "~/.claude/skills/release-notes/SKILL.md" in by_path
    skill = by_path[".claude/skills/release-notes/SKILL.md"]
    assert [v.rule for v in skill.violations] == ["PS407"]
    assert "a personal file wins over the project's" in skill.violations[0].message


def test_a_skill_whose_bundled_script_deploys_is_a_deployment_skill(tmp_path: Path) -> None:
    root = copy("bundled-script", tmp_path)
    out = cli(root, "classify", "--format", "json", ".")
    skill = json.loads(out.stdout)["files"][0]
    assert (skill["path"], skill["class"]) == (".claude/skills/publish/SKILL.md", "deployment")
    assert any("(in scripts/release.sh:3)" in e["what"] for e in skill["evidence"])
    result = next(r for r in run_repo(root).results if r.kind == "skill")
    assert [(v.rule, v.line) for v in result.violations] == [("PS408", 4), ("PS101", 5)]


def test_a_bundled_file_outside_the_skill_folder_is_not_read(tmp_path: Path) -> None:
    root = copy("bundled-script", tmp_path)
    skill = root / ".claude/skills/publish"
    (skill / "scripts/release.sh").unlink()
    (root / "release.sh").write_text("helm upgrade --install docs ./chart\n")
    (skill / "scripts/release.sh").symlink_to(root / "release.sh")
    (skill / "SKILL.md").write_text(
        (skill / "SKILL.md").read_text() + "3. Then run `../../../release.sh`.\n"
    )
    result = next(r for r in run_repo(root).results if r.kind == "skill")
    assert result.cls == "read-only"


def test_explicit_files_get_the_kind_their_plugin_gives_them(tmp_path: Path) -> None:
    root = copy("plugin-defaults", tmp_path)
    path = root / "tools/ops-plugin/commands/release-status.md"
    selection = select_paths(root, [path], [])
    assert [(t.rel, t.kind, t.plugin) for t in selection.targets] == [
        ("tools/ops-plugin/commands/release-status.md", "command", "ops")
    ]


@pytest.mark.parametrize("layout", sorted(p.name for p in LAYOUTS.iterdir()))
def test_every_file_of_a_layout_gets_a_verdict(layout: str, tmp_path: Path) -> None:
    root = copy(layout, tmp_path)
    found = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.md")
        if p.name != "README.md" and "references" not in p.parts and "node_modules" not in p.parts
    )
    checked = {r.path for r in run_repo(root).results}
    ignored = {"plugin-custom": {"commands/replaced.md", "extras/not-named.md"}}
    assert sorted(set(found) - ignored.get(layout, set())) == sorted(checked & set(found))


def test_fix_inserts_the_command_section_into_a_skill(tmp_path: Path) -> None:
    root = copy("bundled-script", tmp_path)
    skill = root / ".claude/skills/publish/SKILL.md"
    original = skill.read_text()
    out = cli(root, "check", "--fix", ".")
    fixed = skill.read_text()
    assert "fixed 1 violation in 1 file" in out.stderr
    assert "## ⚠️ PRODUCTION SAFETY ⚠️" in fixed
    ops = difflib.SequenceMatcher(None, original.splitlines(), fixed.splitlines()).get_opcodes()
    assert {op for op, *_ in ops} == {"equal", "insert"}  # every original line kept, in order
    assert fixed.index("PRODUCTION SAFETY") < fixed.index("## Steps")
    cli(root, "check", "--fix", ".")
    assert skill.read_text() == fixed  # a second --fix changes nothing


def test_user_checks_the_personal_claude_folder_too(tmp_path: Path) -> None:
    root = copy("root-skill", tmp_path)
    home = tmp_path / "home"
    (home / ".claude/commands").mkdir(parents=True)
    (home / ".claude/commands/mine.md").write_text("# Mine\n\nPrints the changelog.\n")
    without = json.loads(cli(root, "check", "--format", "json", ".", HOME=str(home)).stdout)
    assert "~/.claude/commands/mine.md" not in [f["path"] for f in without["files"]]
    out = cli(root, "check", "--user", "--format", "json", ".", HOME=str(home))
    paths = [f["path"] for f in json.loads(out.stdout)["files"]]
    assert "~/.claude/commands/mine.md" in paths
    text = cli(root, "check", "--user", ".", HOME=str(home)).stdout
    assert "Traceback" not in text


def test_the_status_document_groups_skills_and_plugins(tmp_path: Path) -> None:
    root = copy("marketplace", tmp_path)
    text = cli(root, "status", ".").stdout
    assert "### Read-only Skills (no production confirmation needed) (plugin `beta`)" in text
    assert "### Read-only Commands (no production confirmation needed) (plugin `alpha`)" in text
    assert "**`/beta:beta-notes`** (`plugins/beta/skills/beta-notes/SKILL.md`)" in text
    single = cli(copy("root-skill", tmp_path), "status", ".").stdout
    assert "### Read-only Skills (no production confirmation needed)\n" in single
    assert "(plugin" not in single


def test_a_plugin_skills_path_may_name_one_skill_folder(tmp_path: Path) -> None:
    root = copy("plugin-custom", tmp_path)
    manifest = root / ".claude-plugin/plugin.json"
    manifest.write_text(json.dumps({"name": "custom", "skills": "./my-skills/notes"}))
    skills = [t.rel for t in discover_repository(root, []).targets if t.kind == "skill"]
    assert skills == ["my-skills/notes/SKILL.md"]


@pytest.mark.parametrize(
    "manifest",
    [
        "[1, 2]",
        '{"name": 7, "commands": 42}',
        '{"name": "x", "commands": [1]}',
        "[" * 100000 + "]" * 100000,
        '{"plugins": "nope"}',
        '{"plugins": [{"name": "a", "source": 5}, "x", {"source": "./missing"}]}',
        "\xff\xfe",
    ],
)
def test_hostile_manifests_never_stop_the_run(manifest: str, tmp_path: Path) -> None:
    root = copy("marketplace", tmp_path)
    (root / ".claude-plugin/marketplace.json").write_text(manifest, encoding="latin-1")
    (root / "plugins/beta/.claude-plugin/plugin.json").write_text(manifest, encoding="latin-1")
    out = cli(root, "check", ".")
    assert out.returncode in (0, 1), out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr


def test_one_folder_can_be_several_plugins_of_a_marketplace(tmp_path: Path) -> None:
    """A skills collection: `"source": "./"`, each entry naming its own skill folders."""
    root = copy("root-skill", tmp_path)
    for name in ("xlsx", "slides", "brand"):
        (root / "skills" / name).mkdir(parents=True)
        (root / "skills" / name / "SKILL.md").write_text(
            f"---\nname: {name}\ndescription: {name}\n---\n# {name}\n\nReads the {name} files.\n"
        )
    (root / ".claude-plugin").mkdir()
    (root / ".claude-plugin/marketplace.json").write_text(
        json.dumps(
            {
                "name": "skills",
                "plugins": [
                    {
                        "name": "documents",
                        "source": "./",
                        "strict": False,
                        "skills": ["./skills/xlsx", "./skills/slides"],
                    },
                    {
                        "name": "examples",
                        "source": "./",
                        "strict": False,
                        "skills": ["./skills/brand"],
                    },
                ],
            }
        )
    )
    got = [(p, k, plugin, n) for p, k, plugin, n in files(root) if p.startswith("skills/")]
    assert got == [
        ("skills/brand/SKILL.md", "skill", "examples", "/examples:brand"),
        ("skills/slides/SKILL.md", "skill", "documents", "/documents:slides"),
        ("skills/xlsx/SKILL.md", "skill", "documents", "/documents:xlsx"),
    ]


def test_a_bundled_file_the_skill_forbids_is_not_its_evidence(tmp_path: Path) -> None:
    root = copy("bundled-script", tmp_path)
    skill = root / ".claude/skills/publish/SKILL.md"
    text = skill.read_text().replace(
        "2. Run `${CLAUDE_SKILL_DIR}/scripts/release.sh`.",
        "2. Never run `scripts/release.sh` yourself: the release team does.",
    )
    skill.write_text(text)
    result = next(r for r in run_repo(root).results if r.kind == "skill")
    assert result.cls == "read-only"


def test_a_changed_bundled_file_brings_in_its_skill(tmp_path: Path) -> None:
    root = copy("bundled-script", tmp_path)
    script = root / ".claude/skills/publish/scripts/release.sh"
    selection = select_paths(root, [script], [])
    assert [t.rel for t in selection.targets] == [".claude/skills/publish/SKILL.md"]
    assert select_paths(root, [root / "notes.txt"], []).targets == []
