"""`safety-lint server` end to end: a real LSP client (pygls's) talks to the server process
over stdio, the way an editor does."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

RELEASE = """\
---
description: Release the service
argument-hint: "<version> [--environment=test|prod]"
disable-model-invocation: true
---

# Release

Ships a tagged version of the service.

## Parameters

- `<version>`: the version to release
- `--environment`: `test` (default) or `prod`

## Steps

1. Build the image for the version.
2. Run `kubectl apply -f deploy/` against the chosen environment.
"""

NOTES = """\
---
description: Refresh the sales tables
---

# Refresh Sales

1. Run the data load for the sales tables.
"""


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "agents").mkdir(parents=True)
    (root / ".git").mkdir()  # the root `check` would use: no walking above it
    (root / ".claude" / "commands" / "release.md").write_text(RELEASE)
    return root


def cli_json(root: Path, *paths: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "safety_lint", "check", "--format", "json", *map(str, paths)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def apply_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    """What an editor does with a code action's edits (UTF-16 columns; ASCII edit points)."""
    lines = text.splitlines(keepends=True)

    def offset(p: lsp.Position) -> int:
        return sum(len(line) for line in lines[: p.line]) + p.character

    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


class Session:
    """A client connected to a fresh `safety-lint server` process."""

    def __init__(self) -> None:
        self.client = LanguageClient("test-client", "1")
        self.published: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
        self.registrations: list[lsp.Registration] = []

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, []).append(params)

        @self.client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: lsp.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: lsp.LogMessageParams) -> None:
            pass

    async def start(
        self, root: Path, debounce_ms: int = 50, encodings: list[str] | None = None
    ) -> lsp.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "safety_lint", "server")
        capabilities = lsp.ClientCapabilities(
            workspace=lsp.WorkspaceClientCapabilities(
                did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(
                    dynamic_registration=True
                )
            ),
            general=lsp.GeneralClientCapabilities(position_encodings=encodings),
        )
        result = await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=capabilities,
                root_uri=from_fs_path(str(root)),
                initialization_options={"debounceMs": debounce_ms},
            )
        )
        self.client.initialized(lsp.InitializedParams())
        return result

    async def diagnostics(self, uri: str, count: int = 1) -> list[lsp.Diagnostic]:
        """The diagnostics of the `count`-th publication for `uri`."""
        for _ in range(2000):
            if len(self.published.get(uri, [])) >= count:
                return list(self.published[uri][count - 1].diagnostics)
            await asyncio.sleep(0.01)
        raise AssertionError(f"no publication {count} for {uri}: {self.published}")

    def open(self, path: Path, text: str | None = None) -> str:
        uri = from_fs_path(str(path))
        assert uri is not None
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri, "markdown", 1, path.read_text() if text is None else text)
            )
        )
        return uri

    def change(self, uri: str, version: int, text: str) -> None:
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def actions(self, uri: str, line: int, only: list[str] | None = None) -> list[Any]:
        result = await self.client.text_document_code_action_async(
            lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri),
                lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0)),
                lsp.CodeActionContext(diagnostics=[], only=only),
            )
        )
        return list(result or [])

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def run(scenario: Callable[[Session], Awaitable[None]]) -> None:
    async def main() -> None:
        session = Session()
        try:
            await asyncio.wait_for(scenario(session), timeout=60)
        finally:
            if session.client._server is not None and session.client._server.returncode is None:
                session.client._server.kill()

    asyncio.run(main())


def test_open_fix_and_clear_then_shutdown(tmp_path: Path) -> None:
    root = repo(tmp_path)
    path = root / ".claude" / "commands" / "release.md"
    expected = cli_json(root, path)["files"][0]["violations"]
    fixed_copy = tmp_path / "copy"
    shutil.copytree(root, fixed_copy)
    subprocess.run(
        [sys.executable, "-m", "safety_lint", "check", "--fix", ".claude/commands/release.md"],
        cwd=fixed_copy,
        capture_output=True,
        check=False,
    )

    async def scenario(s: Session) -> None:
        init = await s.start(root)
        assert init.server_info is not None and init.server_info.name == "safety-lint"
        assert init.capabilities.code_action_provider and init.capabilities.hover_provider
        uri = s.open(path)
        found = await s.diagnostics(uri)
        # The same findings as `check` on that file: code, line and requirement.
        assert [(d.code, d.range.start.line + 1) for d in found] == [
            (v["rule"], v["line"]) for v in expected
        ]
        [d] = found
        assert d.code == "PS101" and d.source == "safety-lint"
        assert d.severity == lsp.DiagnosticSeverity.Error
        assert d.range.start == lsp.Position(6, 0) and d.range.end == lsp.Position(6, 9)
        assert d.message.startswith("production-safety-section: missing level-2 section")
        assert d.code_description is not None
        assert d.code_description.href.endswith("docs/rules.md#ps101-production-safety-section")

        hover = await s.client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(6, 2))
        )
        assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
        assert "## PS101 production-safety-section" in hover.contents.value
        assert "**How to fix.**" in hover.contents.value
        nothing = await s.client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 0))
        )
        assert nothing is None

        [action] = await s.actions(uri, 6)
        assert action.kind == lsp.CodeActionKind.QuickFix and action.is_preferred
        assert [x.code for x in action.diagnostics] == ["PS101"]
        fixed = apply_edits(RELEASE, action.edit.changes[uri])
        # The edit is exactly what `check --fix` writes.
        assert fixed == (fixed_copy / ".claude" / "commands" / "release.md").read_text()
        assert fixed != RELEASE
        assert await s.actions(uri, 0) == []  # no finding on that line

        s.change(uri, 2, fixed)
        assert await s.diagnostics(uri, 2) == []
        assert await s.actions(uri, 6, only=["source.fixAll"]) == []  # nothing left to fix
        await s.stop()
        assert s.client._server is not None and s.client._server.returncode == 0

    run(scenario)


def test_fix_all_source_action(tmp_path: Path) -> None:
    root = repo(tmp_path)

    async def scenario(s: Session) -> None:
        await s.start(root)
        uri = s.open(root / ".claude" / "commands" / "release.md")
        await s.diagnostics(uri)
        [action] = await s.actions(uri, 0, only=["source.fixAll"])
        assert action.kind == "source.fixAll.safety-lint"
        assert "## ⚠️ PRODUCTION SAFETY ⚠️" in apply_edits(RELEASE, action.edit.changes[uri])
        await s.stop()

    run(scenario)


def test_broken_frontmatter_is_one_diagnostic_and_the_server_lives_on(tmp_path: Path) -> None:
    root = repo(tmp_path)
    broken = root / ".claude" / "agents" / "broken.md"
    broken.write_text("---\nname: broken\n# Broken\n\nNo closing fence.\n")

    async def scenario(s: Session) -> None:
        await s.start(root)
        uri = s.open(broken)
        [d] = await s.diagnostics(uri)
        assert d.code == "PS002" and d.message.startswith("invalid-frontmatter:")
        assert await s.actions(uri, d.range.start.line) == []
        # Still serving: the next file is linted.
        other = s.open(root / ".claude" / "commands" / "release.md")
        assert [x.code for x in await s.diagnostics(other)] == ["PS101"]
        # Binary junk and a huge line in the buffer: a verdict, never a crash.
        s.change(uri, 2, "\x00\x01\ufffe" * 1000 + "\n" + "#" * 200_000)
        assert len(await s.diagnostics(uri, 2)) == 1
        await s.stop()

    run(scenario)


def test_unclassified_file_offers_every_declared_class(tmp_path: Path) -> None:
    root = repo(tmp_path)
    notes = root / ".claude" / "commands" / "notes.md"
    notes.write_text(NOTES)

    async def scenario(s: Session) -> None:
        await s.start(root)
        uri = s.open(notes)
        assert [d.code for d in await s.diagnostics(uri)] == ["PS005"]  # weak evidence
        actions = await s.actions(uri, 0)
        titles = [a.title for a in actions]
        assert titles == [
            "Declare `safety-class: deployment`",
            "Declare `safety-class: batch`",
            "Declare `safety-class: read-only`",
        ]
        assert not any(a.is_preferred for a in actions)  # the author decides, not the server
        declared = apply_edits(NOTES, actions[2].edit.changes[uri])
        assert declared.startswith(
            "---\ndescription: Refresh the sales tables\nsafety-class: read-only\n---\n"
        )
        s.change(uri, 2, declared)
        assert "PS005" not in [d.code for d in await s.diagnostics(uri, 2)]
        # A file without frontmatter gets a block; a value that is not a class is replaced.
        bare = NOTES.split("---\n", 2)[2]
        wrong = NOTES.replace("---\n\n", "safety-class: prod\n---\n\n")
        for version, text, head in (
            (3, bare, "---\nsafety-class: read-only\n---\n\n# Refresh Sales\n"),
            (
                4,
                wrong,
                "---\ndescription: Refresh the sales tables\nsafety-class: read-only\n---\n",
            ),
        ):
            s.change(uri, version, text)
            assert "PS005" in [d.code for d in await s.diagnostics(uri, version)]
            [*_, read_only] = await s.actions(uri, 0)
            assert apply_edits(text, read_only.edit.changes[uri]).startswith(head)
        await s.stop()

    run(scenario)


def test_changes_are_debounced(tmp_path: Path) -> None:
    root = repo(tmp_path)

    async def scenario(s: Session) -> None:
        await s.start(root, debounce_ms=800)
        uri = s.open(root / ".claude" / "commands" / "release.md")
        await s.diagnostics(uri)
        text = RELEASE
        for version in range(2, 7):  # typing: five changes well inside the wait
            text += "\nmore"
            s.change(uri, version, text)
        await s.diagnostics(uri, 2)
        await asyncio.sleep(1.0)
        assert len(s.published[uri]) == 2  # one lint for the five changes
        assert s.published[uri][1].version == 6  # of the last text
        await s.stop()

    run(scenario)


def test_repository_facts_refresh_when_an_agent_appears(tmp_path: Path) -> None:
    root = repo(tmp_path)
    command = root / ".claude" / "commands" / "summary.md"
    command.write_text(
        "---\ndescription: Summary\nsafety-class: read-only\n---\n\n# Summary\n\n"
        "1. Use the `notes-reader` agent to read the notes.\n"
    )

    async def scenario(s: Session) -> None:
        await s.start(root)
        uri = s.open(command)
        assert "PS402" in [d.code for d in await s.diagnostics(uri)]
        assert any(r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in s.registrations)
        agent = root / ".claude" / "agents" / "notes-reader.md"
        agent.write_text("---\nname: notes-reader\ntools: Read, Grep\n---\n\n# Notes reader\n")
        agent_uri = from_fs_path(str(agent))
        assert agent_uri is not None
        s.client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                [lsp.FileEvent(uri=agent_uri, type=lsp.FileChangeType.Created)]
            )
        )
        assert "PS402" not in [d.code for d in await s.diagnostics(uri, 2)]
        # Saving a .claude file reads the facts again too (for editors that do not watch).
        agent.unlink()
        s.client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri))
        )
        assert "PS402" in [d.code for d in await s.diagnostics(uri, 3)]
        await asyncio.sleep(0.2)
        assert len(s.published[uri]) == 3  # one publication for the save
        await s.stop()

    run(scenario)


def test_files_that_are_not_ours_get_no_diagnostics(tmp_path: Path) -> None:
    root = repo(tmp_path)
    readme = root / "README.md"
    readme.write_text("# Readme\n\nkubectl apply everything\n")

    async def scenario(s: Session) -> None:
        await s.start(root)
        assert await s.diagnostics(s.open(readme)) == []
        await s.stop()

    run(scenario)


def test_a_broken_configuration_is_shown_on_the_file(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / ".safety-lint.yaml").write_text("exclud: []\n")

    async def scenario(s: Session) -> None:
        await s.start(root)
        uri = s.open(root / ".claude" / "commands" / "release.md")
        [d] = await s.diagnostics(uri)
        assert d.code == "configuration" and "exclud" in d.message
        # Fixing the configuration is picked up without restarting the server.
        config = root / ".safety-lint.yaml"
        config.write_text("exclude: []\n")
        config_uri = from_fs_path(str(config))
        assert config_uri is not None
        s.client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                [lsp.FileEvent(uri=config_uri, type=lsp.FileChangeType.Changed)]
            )
        )
        assert [x.code for x in await s.diagnostics(uri, 2)] == ["PS101"]
        # Closing the file clears its diagnostics.
        s.client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri))
        )
        assert await s.diagnostics(uri, 3) == []
        await s.stop()

    run(scenario)


def test_check_does_not_import_the_server() -> None:
    code = (
        "import sys, atexit\n"
        "atexit.register(lambda: print('PYGLS' if 'pygls' in sys.modules else 'CLEAN'))\n"
        "sys.argv = ['safety-lint', 'check', 'fixtures/example-repo']\n"
        "from safety_lint.cli import main\n"
        "main()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.stdout.strip().endswith("CLEAN"), out.stdout[-200:]


def test_without_git_the_workspace_folder_decides_the_root(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / ".git").rmdir()
    nested = root / ".claude" / "commands" / "team" / "release.md"
    nested.parent.mkdir()
    (root / ".claude" / "commands" / "release.md").rename(nested)

    async def scenario(s: Session) -> None:
        await s.start(root)
        assert [d.code for d in await s.diagnostics(s.open(nested))] == ["PS101"]
        await s.stop()

    run(scenario)


def test_every_file_of_the_example_repository_gets_checks_verdict() -> None:
    root = Path(__file__).parent.parent / "fixtures" / "example-repo"
    files = {f["path"]: f for f in cli_json(root, root)["files"] if (root / f["path"]).is_file()}
    assert len(files) > 10

    async def scenario(s: Session) -> None:
        await s.start(root)
        for rel, expected in sorted(files.items()):
            found = await s.diagnostics(s.open(root / rel))
            assert [(d.code, d.range.start.line + 1, d.severity) for d in found] == [
                (
                    v["rule"],
                    v["line"],
                    lsp.DiagnosticSeverity.Warning
                    if v["severity"] == "warning"
                    else lsp.DiagnosticSeverity.Error,
                )
                for v in expected["violations"]
            ], rel
        await s.stop()

    run(scenario)


@pytest.mark.parametrize(("encoding", "end"), [("utf-16", 12), ("utf-8", 14), ("utf-32", 11)])
def test_ranges_count_in_the_negotiated_encoding(tmp_path: Path, encoding: str, end: int) -> None:
    root = repo(tmp_path)
    path = root / ".claude" / "commands" / "release.md"
    text = RELEASE.replace("# Release\n", "# Release 🚀\n")  # outside the BMP: 2 UTF-16 units

    async def scenario(s: Session) -> None:
        init = await s.start(root, encodings=[encoding])
        assert init.capabilities.position_encoding == encoding
        [d] = await s.diagnostics(s.open(path, text))
        assert (d.range.start, d.range.end) == (lsp.Position(6, 0), lsp.Position(6, end))
        await s.stop()

    run(scenario)


def test_without_pygls_the_server_command_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['pygls'] = None\n"  # as if the server extra were not installed
        "sys.argv = ['safety-lint', 'server']\n"
        "from safety_lint.cli import main\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 2
    assert "pip install 'safety-lint[server]'" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_code_action_during_typing_applies_to_the_text_the_editor_has(tmp_path: Path) -> None:
    root = repo(tmp_path)
    path = root / ".claude" / "commands" / "release.md"

    async def scenario(s: Session) -> None:
        await s.start(root, debounce_ms=5000)  # the lint of the change is still waiting
        uri = s.open(path)
        await s.diagnostics(uri)
        edited = RELEASE.replace("---\n\n# Release", "---\n\nA note.\n\n# Release")
        s.change(uri, 2, edited)  # the title moved from line 7 to line 9
        assert await s.actions(uri, 6) == []
        [action] = await s.actions(uri, 8)
        assert [d.range.start.line for d in action.diagnostics] == [8]
        fixed = apply_edits(edited, action.edit.changes[uri])
        head, steps = edited.split("## Steps")
        assert fixed.startswith(head) and fixed.endswith("## Steps" + steps)
        assert "## ⚠️ PRODUCTION SAFETY ⚠️" in fixed
        await s.stop()

    run(scenario)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_fix_at_the_end_of_a_file_without_a_final_newline(tmp_path: Path, newline: str) -> None:
    root = repo(tmp_path)
    path = root / ".claude" / "commands" / "ship.md"
    text = newline.join(
        [
            "---",
            "description: Ship it",
            "safety-class: deployment",
            "---",
            "",
            "# Ship",
            "",
            "Ships.",
        ]
    )
    path.write_bytes(text.encode())
    fixed_copy = tmp_path / "copy"
    shutil.copytree(root, fixed_copy)
    subprocess.run(
        [sys.executable, "-m", "safety_lint", "check", "--fix", ".claude/commands/ship.md"],
        cwd=fixed_copy,
        capture_output=True,
        check=False,
    )
    expected = (fixed_copy / ".claude" / "commands" / "ship.md").read_bytes().decode()
    assert expected != text and not expected.endswith(newline)

    async def scenario(s: Session) -> None:
        await s.start(root)
        uri = s.open(path, text)
        codes = [d.code for d in await s.diagnostics(uri)]
        assert "PS101" in codes
        line = next(
            d.range.start.line for d in s.published[uri][0].diagnostics if d.code == "PS101"
        )
        [action] = [a for a in await s.actions(uri, line) if a.is_preferred]
        assert apply_edits(text, action.edit.changes[uri]) == expected
        await s.stop()

    run(scenario)
