#!/usr/bin/env python3
"""Latency of `safety-lint server`, measured with a real LSP client over stdio.

    python bench/server_latency.py               # example repo + the corpus repo with most agents
    python bench/server_latency.py --runs 10 --edits 50
    python bench/server_latency.py --repo PATH --file .claude/commands/x.md

For each repository, medians (and the slowest) of:
  start-up         process start -> `initialize` answered
  first lint       process start -> diagnostics of the first opened file (reads the
                   repository's agents once: the facts every file is judged against)
  re-lint          `didChange` -> its diagnostics, one file, debounce 0 (the editor's default
                   wait of 300 ms comes on top)
  fix action       `codeAction` on the finding's line -> the verified fix edit
  refresh          `didSave` of a `.claude` file -> its diagnostics (facts read again)
  check, cold      `safety-lint check FILE` as a process, for comparison (pre-commit's cost)

Needs the server extra (`pip install -e '.[server]'`). Progress on stderr, the table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "fixtures" / "example-repo"
EXAMPLE_FILE = ".claude/commands/project/dataset-deploy.md"
CORPUS = PROJECT.parent / "shared" / "corpus"


class Probe:
    def __init__(self) -> None:
        self.client = LanguageClient("bench", "1")
        self.published: dict[str, int] = {}
        self.last: list[lsp.Diagnostic] = []

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = self.published.get(params.uri, 0) + 1
            self.last = list(params.diagnostics)

    async def wait(self, uri: str, count: int) -> None:
        while self.published.get(uri, 0) < count:
            await asyncio.sleep(0.0005)


async def one_session(root: Path, rel: str, edits: int) -> dict[str, list[float]]:
    probe = Probe()
    times: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    await probe.client.start_io(sys.executable, "-m", "safety_lint", "server")
    await probe.client.initialize_async(
        lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(),
            root_uri=from_fs_path(str(root)),
            initialization_options={"debounceMs": 0},
        )
    )
    times["start-up"] = [time.perf_counter() - t0]
    probe.client.initialized(lsp.InitializedParams())
    path = root / rel
    uri = from_fs_path(str(path))
    assert uri is not None
    text = path.read_text(encoding="utf-8")
    probe.client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "markdown", 1, text))
    )
    await probe.wait(uri, 1)
    times["first lint"] = [time.perf_counter() - t0]
    times["re-lint"] = []
    for i in range(edits):
        text += f"\nedit {i}\n"
        start = time.perf_counter()
        probe.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=i + 2, uri=uri),
                [lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        await probe.wait(uri, i + 2)
        times["re-lint"].append(time.perf_counter() - start)
    lines = sorted({d.range.start.line for d in probe.last})
    times["fix action"] = []
    for line in lines[:3]:
        start = time.perf_counter()
        await probe.client.text_document_code_action_async(
            lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri),
                lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0)),
                lsp.CodeActionContext(diagnostics=[]),
            )
        )
        times["fix action"].append(time.perf_counter() - start)
    start = time.perf_counter()
    probe.client.text_document_did_save(
        lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri))
    )
    await probe.wait(uri, edits + 2)
    times["refresh"] = [time.perf_counter() - start]
    await probe.client.shutdown_async(None)
    probe.client.exit(None)
    await probe.client.stop()
    return times


def cold_check(root: Path, rel: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "safety_lint", "check", rel],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def largest_corpus_repo() -> tuple[Path, str] | None:
    """The corpus repository with the most agents, and its first command with a fixable
    finding (so that the fix action has something to do)."""
    if not CORPUS.is_dir():
        return None
    repos = [p for p in CORPUS.iterdir() if (p / ".claude" / "agents").is_dir()]
    if not repos:
        return None
    repo = max(
        sorted(repos), key=lambda p: sum(1 for _ in (p / ".claude" / "agents").rglob("*.md"))
    )
    command = [sys.executable, "-m", "safety_lint", "check", "--format", "json"]
    out = subprocess.run(
        [*command, "--root", str(repo), str(repo / ".claude" / "commands")],
        capture_output=True,
        text=True,
        check=False,
    )
    files = json.loads(out.stdout)["files"]
    fixable = [
        f["path"]
        for f in files
        if f["kind"] == "command" and any(v.get("fixable") for v in f["violations"])
    ]
    return repo, (fixable or [f["path"] for f in files])[0]


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} (max {max(values) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="server sessions per repository")
    parser.add_argument("--edits", type=int, default=20, help="edits per session")
    parser.add_argument("--repo", type=Path, help="a repository (default: example + corpus)")
    parser.add_argument("--file", help="the file to open, relative to --repo")
    args = parser.parse_args()
    cases: list[tuple[Path, str]] = []
    if args.repo:
        cases.append((args.repo.resolve(), args.file or EXAMPLE_FILE))
    else:
        cases.append((EXAMPLE, EXAMPLE_FILE))
        found = largest_corpus_repo()
        if found:
            cases.append(found)
    rows = ["start-up", "first lint", "re-lint", "fix action", "refresh", "check, cold"]
    print("| repository (agents) | file | " + " | ".join(f"{r} ms" for r in rows) + " |")
    print("| --- | --- |" + " ---: |" * len(rows))
    for root, rel in cases:
        agents = sum(1 for _ in (root / ".claude" / "agents").rglob("*.md"))
        merged: dict[str, list[float]] = {r: [] for r in rows}
        for run in range(args.runs):
            print(f"{root.name}: session {run + 1}/{args.runs}", file=sys.stderr)
            for key, values in asyncio.run(one_session(root, rel, args.edits)).items():
                merged[key] += values
            merged["check, cold"].append(cold_check(root, rel))
        cells = " | ".join(ms(merged[r]) if merged[r] else "-" for r in rows)
        print(f"| {root.name} ({agents}) | `{rel}` | {cells} |")
    print(
        f"\nmedian (max) over {args.runs} sessions, {args.edits} edits each; "
        f"Python {sys.version.split()[0]}; debounce 0 (the server's default adds 300 ms)"
    )


if __name__ == "__main__":
    main()
