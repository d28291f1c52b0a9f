"""The catalogue as data: validation with file and line, a team pack that adds to or
overrides the built-in families by id, parsed documents from a cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety_lint.catalogue import (
    CatalogueError,
    analyse_script,
    catalogue_for,
    default_catalogue,
    load_catalogue,
)
from safety_lint.catalogue_schema import bundled_file


def builtin() -> dict[str, object]:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(bundled_file("catalogue.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def effect(command: str, catalogue: object) -> str:
    return analyse_script(command, catalogue)[-1].effect  # type: ignore[arg-type]


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "team.yaml"
    path.write_text(text, encoding="utf-8")
    return folder


def test_team_pack_adds_a_family_and_keeps_the_rest(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "rules",
        "catalogue:\n  families:\n    - id: acme\n      tools: [acmectl]\n      mutating: [ship]\n      reading: [status]\n",
    )
    catalogue = catalogue_for([folder])
    assert effect("acmectl ship web", catalogue) == "mutating"
    assert effect("acmectl status", catalogue) == "reading"
    assert effect("kubectl apply -f x", catalogue) == "mutating"  # built-in kept


def test_team_pack_overrides_a_family_by_id(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "rules",
        "catalogue:\n  families:\n    - id: git\n      tools: [git]\n      mutating: [push]\n      default: reading\n",
    )
    catalogue = catalogue_for([folder])
    assert effect("git push origin main", catalogue) == "mutating"
    assert effect("git push origin main", default_catalogue()) == "unknown"


def test_team_pack_merges_into_a_family(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "rules",
        "catalogue:\n  families:\n    - id: kubernetes\n      merge: true\n      tools: [kubectl-acme]\n      reading: [exec]\n",
    )
    catalogue = catalogue_for([folder])
    assert effect("kubectl exec -it pod -- sh", catalogue) == "reading"  # team rule first
    assert effect("kubectl-acme delete pod x", catalogue) == "mutating"  # built-in rules kept


def test_team_lists_add_to_the_builtin_ones(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "rules", "catalogue:\n  generic-verbs: [yeet]\n  production: [prodn]\n"
    )
    catalogue = catalogue_for([folder])
    assert effect("opsctl yeet", catalogue) == "unknown-mutating"
    assert effect("opsctl deploy", catalogue) == "unknown-mutating"
    assert "prodn" in catalogue.production and "prod" in catalogue.production


def test_rule_files_without_a_catalogue_are_ignored(tmp_path: Path) -> None:
    folder = write(tmp_path / "rules", "rules: []\n")
    assert len(catalogue_for([folder]).families) == len(default_catalogue().families)


@pytest.mark.parametrize(
    ("text", "line", "message", "hint"),
    [
        (
            "catalogue:\n  families:\n    - id: acme\n      tools: [acmectl]\n      mutatin: [ship]\n",
            5,
            "unknown key 'mutatin'",
            "mutating",
        ),
        ("catalogue:\n  generic-verb: [ship]\n", 2, "unknown key 'generic-verb'", "generic-verbs"),
        (
            "catalogue:\n  families:\n    - id: acme\n      tools: [acmectl]\n      default: maybe\n",
            5,
            "'default' is 'maybe'",
            "",
        ),
        (
            "catalogue:\n  families:\n    - id: acme\n      tools: [acmectl]\n      rules:\n        - {subcommand: x, effect: mutating, when: {opts: [-x]}}\n",
            6,
            "unknown key 'opts'",
            "options",
        ),
        (
            "catalogue:\n  families:\n    - id: acme\n      tools: [acmectl]\n      rules:\n        - {subcommand: x, when: {args: ['(']}}\n",
            6,
            "bad regular expression",
            "",
        ),
        (
            "catalogue:\n  families:\n    - id: kubernetez\n      merge: true\n",
            4,
            "names no known family",
            "kubernetes",
        ),
        (
            "catalogue:\n  families:\n    - id: Acme Tools\n      tools: [x]\n",
            3,
            "needs an 'id'",
            "",
        ),
        ("catalogue:\n  families: [\n", 0, "invalid YAML", ""),
        ("catalogue:\n  target-keys: ['(']\n", 2, "bad regular expression", ""),
    ],
)
def test_validation_names_file_line_and_suggestion(
    tmp_path: Path, text: str, line: int, message: str, hint: str
) -> None:
    folder = write(tmp_path / "rules", text)
    with pytest.raises(CatalogueError) as err:
        catalogue_for([folder])
    assert err.value.source.endswith("team.yaml")
    if line:
        assert err.value.line == line
    assert message in err.value.message
    assert err.value.hint == hint


def test_load_from_parsed_documents_such_as_a_json_cache() -> None:
    cached = json.loads(json.dumps(builtin()))
    catalogue = load_catalogue([cached], ["cache.json"])
    assert effect("helm -n x upgrade app ./chart", catalogue) == "mutating"
    assert len(catalogue.families) == len(default_catalogue().families)


def test_unnamed_documents_are_numbered_in_errors() -> None:
    with pytest.raises(CatalogueError) as err:
        load_catalogue([{"catalogue": {"familes": []}}])
    assert err.value.source == "catalogue document 1" and err.value.hint == "families"


def test_every_builtin_family_has_tools_and_rules() -> None:
    for family in default_catalogue().families:
        assert family.tools, family.id
        assert family.rules or family.default != "unknown" or family.statements, family.id


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "kubectl",
                "ssh",
                "h",
                "-n",
                "--context",
                "prod",
                "psql",
                "-c",
                "'DROP",
                "x'",
                "$(",
                ")",
                "&&",
                "|",
                "sudo",
                "bash",
                "-c",
                "<<EOF",
                "EOF",
                "\n",
                "aws",
                "s3",
                "rm",
                "=",
                "-x",
                "env=prod",
                "`",
            ]
        ),
        max_size=30,
    )
)
def test_analyse_never_raises(words: list[str]) -> None:
    for action in analyse_script(" ".join(words), default_catalogue()):
        assert action.effect in ("mutating", "reading", "unknown-mutating", "unknown")


def test_nested_ssh_is_bounded() -> None:
    script = "ssh a " * 40 + "kubectl delete pod x"
    analyse_script(script, default_catalogue())


def test_the_readme_extension_example_works(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Extending them.**", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    folder = write(tmp_path / "rules", example)
    catalogue = catalogue_for([folder])
    assert effect("acmectl -r eu ship web --cell prod-1", catalogue) == "mutating"
    assert analyse_script("acmectl ship web --cell prod-1", catalogue)[0].targets == ("prod-1",)
    assert effect("acmectl cell list", catalogue) == "reading"
    assert effect("acmectl sync acme://x", catalogue) == "mutating"
    assert effect("kubectl-acme delete pod x", catalogue) == "mutating"
    assert effect("opsctl ship", catalogue) == "unknown-mutating"
    from safety_lint.lexicon import lexicons_for, match_steps

    lexicons = lexicons_for([folder])
    assert match_steps("Hotfix the service.", lexicons)[0].verb == "hotfix"
    assert match_steps("Implante o serviço em produção.", lexicons)[0].target == "production"


def test_the_explain_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from safety_lint.catalogue import main

    assert main(["kubectl -n prod delete pod x && echo done"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1: mutating: kubectl delete on prod [kubernetes.delete]",
        "1: reading: echo done [shell-basics.default]",
    ]
    folder = write(tmp_path / "rules", "catalogue:\n  familes: []\n")
    assert main(["--rules", str(folder), "ls"]) == 2
    err = capsys.readouterr().err
    assert "team.yaml:2: unknown key 'familes'" in err and "did you mean 'families'" in err


def test_the_readme_explain_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from safety_lint.catalogue import main

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ python -m safety_lint.catalogue --rules team-rules ", 1)[1]
    command_line, expected = block.split("\n")[:2]
    assert main(["--rules", str(tmp_path), command_line.strip('"')]) == 0
    assert capsys.readouterr().out.strip() == expected
