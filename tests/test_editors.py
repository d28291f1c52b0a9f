"""The editor set-up snippets of the README and the Zed extension: well-formed, and all of them
start `safety-lint server`."""

from __future__ import annotations

import json
import re
import sys

from conftest import PROJECT

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

README = (PROJECT / "README.md").read_text(encoding="utf-8")
EDITORS = README[README.index("### Editors") : README.index("### Suppressions")]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", EDITORS, re.S)


def test_vs_code_settings() -> None:
    [settings] = [json.loads(b) for b in blocks("json") if "glspc" in b]
    assert settings["glspc.server.command"] == "safety-lint"
    assert settings["glspc.server.commandArguments"] == ["server"]
    assert settings["glspc.server.languageId"] == ["markdown"]


def test_helix_languages_toml() -> None:
    [config] = [tomllib.loads(b) for b in blocks("toml")]
    server = config["language-server"]["safety-lint"]
    assert (server["command"], server["args"]) == ("safety-lint", ["server"])
    [markdown] = [x for x in config["language"] if x["name"] == "markdown"]
    assert "safety-lint" in markdown["language-servers"]


def test_neovim_snippets_start_the_server() -> None:
    lua = blocks("lua")
    assert len(lua) == 2
    for block in lua:
        assert '{ "safety-lint", "server" }' in block
        assert block.count("(") == block.count(")") and block.count("{") == block.count("}")


def test_zed_extension_starts_the_server_for_markdown() -> None:
    folder = PROJECT / "editors" / "zed"
    manifest = tomllib.loads((folder / "extension.toml").read_text(encoding="utf-8"))
    [(server_id, server)] = manifest["language_servers"].items()
    assert server["languages"] == ["Markdown"]
    cargo = tomllib.loads((folder / "Cargo.toml").read_text(encoding="utf-8"))
    assert cargo["lib"]["crate-type"] == ["cdylib"]
    source = (folder / "src" / "lib.rs").read_text(encoding="utf-8")
    assert 'which("safety-lint")' in source and '"server".to_string()' in source
    [settings] = [json.loads(b) for b in blocks("json") if "language_servers" in b]
    assert server_id in settings["languages"]["Markdown"]["language_servers"]


def test_the_install_lines_name_the_server_extra() -> None:
    lines = re.findall(r"`(pip install [^`]*)`", EDITORS)
    assert lines and all("safety-lint[server]" in line for line in lines)
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    server = pyproject["project"]["optional-dependencies"]["server"]
    assert any(d.startswith("pygls") for d in server)
