"""`safety-lint server`: a Language Server over stdio (pygls).

Diagnostics are `check`'s verdict on the editor's text (editor.py does the linting); this
module only speaks LSP: positions in the client's units, debounced changes, code actions,
hover. pygls is imported here only, so `check` never pays for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .editor import (
    Linted,
    Project,
    declare_class,
    fix_text,
    line_edits,
    lint_text,
    load_project,
    project_root,
    target_for,
)
from .formats.sarif import rule_help_uri
from .model import CLASSES, Violation
from .ruledoc import explain
from .text import lines_with_endings

SOURCE = "safety-lint"
DEBOUNCE_MS = 300  # after the last change; `initializationOptions.debounceMs` overrides it
CONFIG_NAMES = frozenset({".safety-lint.yaml", ".safety-lint.yml", "pyproject.toml"})
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.safety-lint"
WATCHED = ("**/.claude/**", "**/.safety-lint.yaml", "**/.safety-lint.yml", "**/pyproject.toml")

log = logging.getLogger("safety-lint.server")


def changes_facts(path: Path) -> bool:
    """A file whose change can change the verdict of other files: a command or agent (names,
    classes, delegation) or the configuration."""
    return ".claude" in path.parts or path.name in CONFIG_NAMES


def _strip(line: str) -> str:
    return line.rstrip("\r\n")


def _index(lines: Sequence[str], line: int) -> int:
    """A 1-based violation line as a 0-based line that exists (a finding may point past the
    end of a file, or into an empty one)."""
    return min(max(line - 1, 0), max(len(lines) - 1, 0))


class SafetyLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "safety-lint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full
        )
        self.debounce = DEBOUNCE_MS / 1000
        self.projects: dict[Path, Project] = {}
        self.linted: dict[str, tuple[Project, Linted]] = {}  # what code actions work on
        self.roots: dict[str, Path] = {}  # each open file of ours: its repository
        self.pending: dict[str, asyncio.TimerHandle] = {}

    # Positions: the engine counts code points; the client counts in the negotiated encoding.
    def units(self, text: str) -> int:
        encoding = self.workspace.position_encoding
        if encoding == lsp.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", "surrogatepass"))
        if encoding == lsp.PositionEncodingKind.Utf32:
            return len(text)
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, lines: Sequence[str], index: int) -> lsp.Position:
        """The start of 0-based line `index`, or the end of the text when it is past the end."""
        if index < len(lines):
            return lsp.Position(index, 0)
        if lines and not lines[-1].endswith(("\n", "\r")):
            return lsp.Position(len(lines) - 1, self.units(lines[-1]))
        return lsp.Position(len(lines), 0)

    def diagnostic(self, project: Project, text: str, v: Violation) -> lsp.Diagnostic:
        lines = lines_with_endings(text)
        index = _index(lines, v.line)
        content = _strip(lines[index]) if lines else ""
        start = self.units(content[: max(v.column - 1, 0)])
        rule = project.pack.find(v.rule) if project.pack else None
        return lsp.Diagnostic(
            range=lsp.Range(lsp.Position(index, start), lsp.Position(index, self.units(content))),
            message=f"{v.requirement}: {v.message}",
            severity=(
                lsp.DiagnosticSeverity.Warning
                if v.severity == "warning"
                else lsp.DiagnosticSeverity.Error
            ),
            code=v.rule,
            code_description=lsp.CodeDescription(href=rule_help_uri(rule)) if rule else None,
            source=SOURCE,
            data={"requirement": v.requirement, "fixable": v.fixable},
        )

    def root_of(self, path: Path) -> Path:
        folders = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
        folders.append(self.workspace.root_path)
        return project_root(path, [Path(f).absolute() for f in folders if f])

    def project_of(self, path: Path) -> Project:
        root = self.root_of(path)
        if root not in self.projects:
            self.projects[root] = load_project(root)
        return self.projects[root]

    def refresh(self, root: Path, also: str = "") -> None:
        """Read the repository's facts again and re-lint its open files (and `also`)."""
        self.projects[root] = load_project(root)
        uris = {u for u, r in self.roots.items() if r == root}
        for uri in sorted(uris | ({also} if also else set())):
            self.publish(uri)

    def diagnostics_for(self, uri: str, text: str) -> list[lsp.Diagnostic]:
        path = to_fs_path(uri)
        if path is None:  # an untitled buffer: not a file of any repository
            return []
        project = self.project_of(Path(path).absolute())
        target = target_for(project, Path(path).absolute())
        if target is None:
            self.linted.pop(uri, None)
            self.roots.pop(uri, None)
            return []
        self.roots[uri] = project.root
        if project.problem:  # the configuration is broken: say so where the author looks
            self.linted.pop(uri, None)
            return [
                lsp.Diagnostic(
                    range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                    message=f"safety-lint cannot lint this file: {project.problem}",
                    severity=lsp.DiagnosticSeverity.Error,
                    code="configuration",
                    source=SOURCE,
                )
            ]
        linted = lint_text(project, target, text)
        self.linted[uri] = (project, linted)
        return [self.diagnostic(project, text, v) for v in linted.result.violations]

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        document = self.workspace.text_documents.get(uri)
        if document is None:  # closed meanwhile
            return
        try:
            diagnostics = self.diagnostics_for(uri, document.source)
        except Exception as err:  # never let one file take the server down
            log.exception("linting %s failed", uri)
            diagnostics = [
                lsp.Diagnostic(
                    range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                    message=f"safety-lint failed on this file ({type(err).__name__}: {err})",
                    severity=lsp.DiagnosticSeverity.Error,
                    code="internal-error",
                    source=SOURCE,
                )
            ]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
        )

    def schedule(self, uri: str) -> None:
        """Lint after the typing pauses: each change restarts the wait."""
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(self.debounce, self.publish, uri)

    def current(self, uri: str) -> tuple[Project, Linted] | None:
        """The verdict of the text the editor has now: a code action's edits must apply to
        it, so a lint still waiting for the typing to pause is done first."""
        document = self.workspace.text_documents.get(uri)
        entry = self.linted.get(uri)
        if document is not None and (
            uri in self.pending or entry is None or entry[1].text != document.source
        ):
            handle = self.pending.pop(uri, None)
            if handle is not None:
                handle.cancel()
            self.publish(uri)
            entry = self.linted.get(uri)
        return entry

    def edit(self, uri: str, original: str, fixed: str) -> lsp.WorkspaceEdit:
        lines = lines_with_endings(original)
        edits = [
            lsp.TextEdit(
                lsp.Range(self.position(lines, e.start), self.position(lines, e.end)), e.text
            )
            for e in line_edits(original, fixed)
        ]
        return lsp.WorkspaceEdit(changes={uri: edits})


def _allowed(only: Sequence[str] | None, kind: str) -> bool:
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def code_actions(
    ls: SafetyLintServer, params: lsp.CodeActionParams
) -> list[lsp.CodeAction | lsp.Command]:
    uri = params.text_document.uri
    entry = ls.current(uri)
    if entry is None:
        return []
    project, linted = entry
    lines = lines_with_endings(linted.text)
    first, last = params.range.start.line, params.range.end.line
    here = [
        v for v in linted.result.violations if first <= _index(lines, v.line) <= max(first, last)
    ]
    only = params.context.only
    actions: list[lsp.CodeAction | lsp.Command] = []
    fixable = [v for v in here if v.fixable]
    quick = bool(fixable) and _allowed(only, lsp.CodeActionKind.QuickFix.value)
    fix_all = only is not None and _allowed(only, FIX_ALL) and only != [""]
    if quick or fix_all:
        outcome = fix_text(project, linted)
        if outcome is not None and outcome.fixed is not None:
            title = f"Insert the missing section ({', '.join(outcome.fixed_rules)})"
            edit = ls.edit(uri, linted.text, outcome.fixed)
            if quick:
                diagnostics = [ls.diagnostic(project, linted.text, v) for v in fixable]
                actions.append(
                    lsp.CodeAction(
                        title,
                        lsp.CodeActionKind.QuickFix,
                        diagnostics=diagnostics,
                        is_preferred=True,
                        edit=edit,
                    )
                )
            if fix_all:
                actions.append(lsp.CodeAction(f"safety-lint: {title.lower()}", FIX_ALL, edit=edit))
        elif outcome is not None and outcome.problem and quick:
            actions.append(
                lsp.CodeAction(
                    "Insert the missing section",
                    lsp.CodeActionKind.QuickFix,
                    disabled=lsp.CodeActionDisabled(reason=outcome.problem),
                )
            )
    unclassified = [v for v in here if v.requirement == "unclassified"]
    if unclassified and _allowed(only, lsp.CodeActionKind.QuickFix.value):
        diagnostics = [ls.diagnostic(project, linted.text, v) for v in unclassified]
        # All three, safest first: the author knows what the file does; the server does not.
        for cls in CLASSES:
            fixed = declare_class(project, linted, cls)
            if fixed is not None:
                actions.append(
                    lsp.CodeAction(
                        f"Declare `safety-class: {cls}`",
                        lsp.CodeActionKind.QuickFix,
                        diagnostics=diagnostics,
                        edit=ls.edit(uri, linted.text, fixed),
                    )
                )
    return actions


def hover(ls: SafetyLintServer, params: lsp.HoverParams) -> lsp.Hover | None:
    """On a line with findings: each finding and its rule's `explain` documentation."""
    entry = ls.current(params.text_document.uri)
    if entry is None or entry[0].pack is None:
        return None
    project, linted = entry
    assert project.pack is not None
    lines = lines_with_endings(linted.text)
    found = [v for v in linted.result.violations if _index(lines, v.line) == params.position.line]
    if not found:
        return None
    parts = []
    for v in found:
        rule = project.pack.find(v.rule)
        doc = explain(rule, project.pack) if rule is not None else ""
        parts.append(f"**{v.rule} {v.requirement}** ({v.severity}): {v.message}\n\n{doc}")
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n---\n\n".join(parts))
    )


def make_server() -> SafetyLintServer:
    server = SafetyLintServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: SafetyLintServer, params: lsp.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounceMs"), int | float):
            ls.debounce = max(0.0, float(options["debounceMs"]) / 1000)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: SafetyLintServer, params: lsp.InitializedParams) -> None:
        caps = ls.client_capabilities.workspace
        watch = caps.did_change_watched_files if caps else None
        if watch is None or not watch.dynamic_registration:
            return  # saves of .claude files still refresh the facts
        watchers = [lsp.FileSystemWatcher(glob_pattern=g) for g in WATCHED]
        registration = lsp.Registration(
            id="safety-lint-watch",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await ls.client_register_capability_async(
                lsp.RegistrationParams(registrations=[registration])
            )
        except Exception as err:  # the client said no: saves still refresh the facts
            log.warning("file watching not registered: %s", err)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SafetyLintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: SafetyLintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SafetyLintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        if path is not None and changes_facts(Path(path)):
            ls.refresh(ls.root_of(Path(path).absolute()), also=uri)
        else:
            ls.publish(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SafetyLintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        ls.linted.pop(uri, None)
        ls.roots.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: SafetyLintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        roots: set[Path] = set()
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path is None or not changes_facts(Path(path)):
                continue
            absolute = Path(path).absolute()
            roots |= {r for r in ls.projects if absolute.is_relative_to(r)}
        for root in sorted(roots):
            ls.refresh(root)

    server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]),
    )(code_actions)
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(hover)
    return server


def serve() -> None:
    """Speak LSP on standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="safety-lint server: %(message)s")
    make_server().start_io()
