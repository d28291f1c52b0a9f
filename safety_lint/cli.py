"""Command line: a thin typer layer over the typed core. Exit 0 clean, 1 findings, 2 usage or
configuration error or internal failure."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from . import __version__

if TYPE_CHECKING:
    from .model import FileResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Lint Claude Code commands, agents and core documents for the production-safety policy.",
    pretty_exceptions_enable=False,
)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


def fail(message: str) -> NoReturn:
    typer.echo(f"safety-lint: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _write(path: Path, data: bytes, make_folder: bool = False) -> None:
    """Write atomically; a path that cannot be written is a usage error (exit 2)."""
    from .fsutil import WriteError, atomic_write

    try:
        if make_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except (WriteError, OSError) as err:
        fail(str(err))


def _from_here(results: list[Any], root: Path) -> list[Any]:
    """Paths as seen from the current folder, for the formats people and GitHub click on (JSON,
    SARIF and JUnit keep paths relative to the root, as documented)."""
    from dataclasses import replace

    rel = os.path.relpath(root.absolute(), Path.cwd())
    if rel == "." or rel.startswith(".."):
        return results
    prefix = Path(rel).as_posix() + "/"
    return [replace(r, path=prefix + r.path) for r in results]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _style(text: str, **kw: Any) -> str:
    return typer.style(text, **kw)


def _use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"safety-lint {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """safety-lint: Rule #0 for Claude Code commands and agents."""


def _may_be_linted(path: Path) -> bool:
    text = path.as_posix()
    return path.suffix == ".md" and (
        ".claude/" in text or path.name == "CLAUDE.md" or "docs/" in text
    )


def _split(values: list[str] | None) -> frozenset[str]:
    return frozenset(v.strip() for item in values or [] for v in item.split(",") if v.strip())


def _prepare(paths: list[Path] | None, root: Path | None, config_path: Path | None) -> Any:
    """Resolve root, configuration and rule pack; usage problems exit 2."""
    from .config import ConfigError, load_config
    from .discover import default_root, root_for_files
    from .rulepack import RulePackError, default_pack

    paths = list(paths or [])
    for p in paths:
        # A missing command, agent or core document is that file's PS001; anything else is a typo.
        if not p.exists() and not p.is_symlink() and not _may_be_linted(p):
            fail(f"{p}: no such file or directory")
    if root is None:
        if len(paths) == 1 and paths[0].is_dir():
            root, paths = paths[0], []
        elif paths:
            root = root_for_files(paths, Path.cwd())
        else:
            root = default_root(Path.cwd())
    elif not root.is_dir():
        fail(f"{root}: root is not a directory")
    try:
        config = load_config(root, config_path)
        pack = default_pack(tuple(config.rule_folders))
    except (ConfigError, RulePackError) as err:
        fail(str(err))
    return root, paths, config, pack


def _selector(pack: Any, config: Any, select: list[str] | None, ignore: list[str] | None) -> Any:
    from .check import Selector

    def code(key: str) -> str:
        rule = pack.find(key)
        if rule is None:
            where = f" (in {config.source})" if config.source else ""
            fail(f"unknown rule '{key}'{where} (see `safety-lint rules`)")
        return str(rule.code)

    chosen = frozenset(code(k) for k in _split(select) or config.select)
    ignored = frozenset(code(k) for k in _split(ignore) | frozenset(config.ignore))
    severity = {code(k): v for k, v in config.severity.items()}
    return Selector(chosen, ignored, severity, config.require_reason, config.require_safety_class)


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="A repository folder, or files to check (as pre-commit passes them)."),
]
RootOpt = Annotated[
    Path | None,
    typer.Option("--root", help="Repository root (default: the git top level, else .)."),
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Configuration file to use.")]
JobsOpt = Annotated[
    int | None,
    typer.Option("--jobs", "-j", help="Worker processes (default: the number of CPUs; 1: none)."),
]


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if jobs < 1:
        fail("--jobs must be 1 or more")
    return jobs


@app.command()
def check(
    paths: PathsArg = None,
    output_format: Annotated[
        list[OutputFormat] | None,
        typer.Option(
            "--format",
            "--output-format",
            help="Output format; repeat with --output-file for several "
            "(default: github under GitHub Actions, else text).",
        ),
    ] = None,
    output_file: Annotated[
        list[Path] | None,
        typer.Option("--output-file", help="Write the matching --format to this file."),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="Only these rules (codes or names, comma-separated)."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip these rules (codes or names).")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="error (default) or warning: what makes the exit code 1."),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Report only violations not in this baseline.")
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option("--write-baseline", help="Record today's violations and exit 0.")
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option("--changed-since", help="Check only files changed since this git ref."),
    ] = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Insert missing required sections, then report the rest.")
    ] = False,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="Print the diff of what --fix would change; write nothing."),
    ] = False,
    jobs: JobsOpt = None,
    root: RootOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Check commands, agents and core documents against the policy."""
    from . import report
    from .baseline import BaselineError, apply, dump, load
    from .discover import GitError, changed_files
    from .engine import lint
    from .engine import select as select_files
    from .outputs import render

    root, paths, config, pack = _prepare(paths, root, config_path)
    selector = _selector(pack, config, select, ignore)
    fail_on = fail_on or config.fail_on
    if fail_on not in ("error", "warning"):
        fail(f"--fail-on takes error or warning, not '{fail_on}'")
    formats = [f.value for f in output_format or []] or (
        ["github"] if os.environ.get("GITHUB_ACTIONS") == "true" else ["text"]
    )
    files = list(output_file or [])
    if len(files) > len(formats):
        fail("more --output-file than --format options: pair each file with a format")
    if len(formats) - len(files) > 1:
        fail("only one --format can go to standard output; give the others an --output-file")
    if changed_since is not None:
        if paths:
            fail("--changed-since takes no paths: it selects the changed files itself")
        try:
            paths = changed_files(root, changed_since)
        except GitError as err:
            fail(str(err))
        if not paths:
            typer.echo(f"no files changed since {changed_since}", err=True)
            raise typer.Exit(EXIT_CLEAN)
    selection = select_files(root, paths, pack, config, changed=changed_since is not None)
    for path, message in selection.problems:
        typer.echo(f"{path}: {message}", err=True)
    run = lint(selection, pack, config, selector, _jobs(jobs))
    if fix or diff:
        run = _fix(run, pack, config, selector, write=fix and not diff)
        if diff:
            raise typer.Exit(EXIT_FINDINGS if run is None else EXIT_CLEAN)
    results = run.results
    if write_baseline is not None:
        _write(write_baseline, dump(results).encode("utf-8"))
        count = sum(len(r.violations) for r in results)
        typer.echo(f"wrote {count} violations to baseline {write_baseline}", err=True)
        raise typer.Exit(EXIT_CLEAN)
    if baseline is not None:
        try:
            results, hidden = apply(results, load(baseline), pack)
        except BaselineError as err:
            fail(str(err))
        if hidden:
            typer.echo(f"{hidden} violations in the baseline not shown", err=True)
    shown = _from_here(results, root)
    for fmt, target in zip(formats, files, strict=False):
        _write(
            target,
            render(fmt, shown if fmt in ("text", "github") else results, pack, report.plain).encode(
                "utf-8"
            ),
        )
    if len(formats) > len(files):
        fmt = formats[-1]
        style = _style if _use_color() and fmt == "text" else report.plain
        out = render(fmt, shown if fmt in ("text", "github") else results, pack, style)
        typer.echo(out, nl=False, color=_use_color())
    else:  # every format went to a file: the human summary still goes to the terminal
        typer.echo(report.text(shown, report.plain), nl=False)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and "github" in formats:
        from .github import step_summary

        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(step_summary(results))
    failing = any(r.status != "pass" for r in results)
    if fail_on == "warning":
        failing = failing or any(r.violations for r in results)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_CLEAN)


def _fix(run: Any, pack: Any, config: Any, selector: Any, write: bool) -> Any:
    """--fix writes the fixes and returns the run checked again; --diff prints them and returns
    None when there was something to fix."""
    import difflib

    from .engine import fix, lint
    from .fix import Encoded
    from .fsutil import WriteError, atomic_write

    outcomes = fix(run, pack, config, selector)
    for o in outcomes:
        if o.problem:
            typer.echo(f"{o.path}: {o.problem}", err=True)
    done = [o for o in outcomes if o.fixed is not None]
    if not write:
        for o in done:
            a, b = o.original.splitlines(keepends=True), (o.fixed or "").splitlines(keepends=True)
            typer.echo("".join(difflib.unified_diff(a, b, f"a/{o.path}", f"b/{o.path}")), nl=False)
        count = sum(len(o.fixed_rules) for o in done)
        typer.echo(
            f"{_n(count, 'violation')} fixable in {_n(len(done), 'file')} (run with --fix)",
            err=True,
        )
        return None if done else run
    for o in done:
        path = run.selection.root / o.path
        data = path.read_bytes()
        if Encoded.of(data).decode(data) != o.original:  # changed under us: leave it alone
            typer.echo(f"{o.path}: changed while fixing; not written", err=True)
            continue
        try:
            atomic_write(path, Encoded.of(data).encode(o.fixed or ""))
        except WriteError as err:
            typer.echo(f"{o.path}: not fixed: {err}", err=True)
            continue
    fixed = sum(len(o.fixed_rules) for o in done)
    again = lint(run.selection, pack, config, selector, _jobs(None))
    remaining = sum(len(r.violations) for r in again.results)
    typer.echo(
        f"fixed {_n(fixed, 'violation')} in {_n(len(done), 'file')}; {remaining} remain", err=True
    )
    return again


@app.command()
def classify(
    paths: PathsArg = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="List every piece of evidence.")
    ] = False,
    output_format: Annotated[
        CheckFormat, typer.Option("--format", "--output-format", help="Output format.")
    ] = CheckFormat.text,
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Record each inferred class as `safety-class` in the frontmatter of files "
            "that declare none (review the diff, then commit).",
        ),
    ] = False,
    jobs: JobsOpt = None,
    root: RootOpt = None,
    config_path: ConfigOpt = None,
) -> None:
    """Show each file's kind, class, where the class came from, and the evidence."""
    from . import report
    from .check import Selector
    from .engine import lint
    from .engine import select as select_files

    root, paths, config, pack = _prepare(paths, root, config_path)
    selection = select_files(root, paths, pack, config)
    run = lint(selection, pack, config, Selector(), _jobs(jobs), keep_evidence=True)
    if output_format is CheckFormat.json:
        typer.echo(report.classification_json(run.results, run.classifications), nl=False)
    else:
        typer.echo(report.classification_text(run.results, run.classifications, explain), nl=False)
    if write:
        _write_classes(root, run.results)


def _write_classes(root: Path, results: list[FileResult]) -> None:
    """`classify --write`: inferred classes into the frontmatter, atomically, one file at a time."""
    from .declare import with_declaration
    from .fix import Encoded
    from .fsutil import WriteError, atomic_write

    written = 0
    for r in results:
        if r.kind == "document" or r.cls is None or r.class_source not in ("inferred", "tools"):
            continue
        path = root / r.path
        try:
            data = path.read_bytes()
            encoded = Encoded.of(data)
            fixed = with_declaration(encoded.decode(data), r.cls)
            if fixed is None:
                typer.echo(f"{r.path}: not written: its frontmatter cannot take the key", err=True)
                continue
            atomic_write(path, encoded.encode(fixed))
        except (OSError, UnicodeDecodeError, WriteError) as err:
            typer.echo(f"{r.path}: not written: {err}", err=True)
            continue
        written += 1
    typer.echo(f"wrote safety-class to {_n(written, 'file')}", err=True)


@app.command()
def status(
    root_arg: Annotated[
        Path | None,
        typer.Argument(metavar="[ROOT]", help="Repository root (default: git top level)."),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Write the document (only if it changes).")
    ] = False,
    check_only: Annotated[
        bool, typer.Option("--check", help="Exit 1 with a diff when the document is out of date.")
    ] = False,
    path: Annotated[
        str | None,
        typer.Option("--path", help="Document path under the root (default from configuration)."),
    ] = None,
    config_path: ConfigOpt = None,
) -> None:
    """Regenerate the implementation-status document from the lint results (stdout by default)."""
    import difflib

    from .engine import lint
    from .engine import select as select_files
    from .status import Inputs, generate

    if write and check_only:
        fail("--write and --check cannot be used together")
    if root_arg is not None and not root_arg.is_dir():
        fail(f"{root_arg}: not a directory")
    root, _, config, pack = _prepare([root_arg] if root_arg else [], None, config_path)
    target = root / (path or config.status.path)
    selector = _selector(pack, config, None, None)
    run = lint(select_files(root, [], pack, config), pack, config, selector, _jobs(None))
    raw: bytes | None = None
    existing: str | None = None
    if target.exists():
        try:
            raw = target.read_bytes()
            existing = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            fail(f"{target}: cannot read the status document: {err}")
    document = generate(existing, Inputs(run.results, pack, config))
    if not write and not check_only:
        typer.echo(document, nl=False)
        return
    rel = target.relative_to(root) if target.is_relative_to(root) else target
    if document == existing:
        typer.echo(f"{rel} is up to date", err=True)
        return
    if check_only:
        old = (existing or "").splitlines(keepends=True)
        diff = difflib.unified_diff(old, document.splitlines(keepends=True), f"a/{rel}", f"b/{rel}")
        typer.echo("".join(diff), nl=False)
        typer.echo(f"{rel} is out of date: run `safety-lint status --write`", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    _write(target, document.encode("utf-8"), make_folder=True)
    typer.echo(f"wrote {rel}", err=True)


class Kind(str, Enum):
    command = "command"
    agent = "agent"


class SafetyClass(str, Enum):
    deployment = "deployment"
    batch = "batch"
    read_only = "read-only"


@app.command()
def new(
    kind: Annotated[Kind, typer.Argument(help="command or agent")],
    name: Annotated[str, typer.Argument(help="Name, kebab-case (e.g. dataset-backfill).")],
    cls: Annotated[SafetyClass, typer.Option("--class", help="The file's safety class.")],
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Folder (default .claude/commands or .claude/agents under the root)."
        ),
    ] = None,
    root: RootOpt = None,
) -> None:
    """Write a new command or agent from the templates; it passes `check` as written."""
    import re

    from .discover import default_root
    from .fix import new_file
    from .rulepack import RulePackError, default_pack

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        fail(f"'{name}' is not a kebab-case name (like dataset-backfill)")
    root = root or default_root(Path.cwd())
    folder = directory or root / ".claude" / ("commands" if kind is Kind.command else "agents")
    target = folder / f"{name}.md"
    if target.exists():
        fail(f"{target} exists; not overwritten")
    try:
        text = new_file(kind.value, name, cls.value, default_pack())
    except RulePackError as err:
        fail(str(err))
    _write(target, text.encode("utf-8"), make_folder=True)
    typer.echo(f"wrote {target}", err=True)


@app.command("config")
def config_command(
    root: Annotated[Path | None, typer.Argument(metavar="[ROOT]", help="Repository root.")] = None,
    config_path: ConfigOpt = None,
) -> None:
    """Print the effective configuration and where each value came from."""
    from .config import effective
    from .engine import core_documents
    from .rulepack import bundled_rules_dir

    if root is not None and not root.is_dir():
        fail(f"{root}: not a directory")
    root, _, config, pack = _prepare([root] if root else [], None, config_path)
    folders = [bundled_rules_dir(), *config.rule_folders]
    typer.echo(effective(config, core_documents(pack, config), folders), nl=False)


@app.command("rules")
def rules_command(config_path: ConfigOpt = None) -> None:
    """List every rule: code, name, severity, what it applies to."""
    from .ruledoc import rules_table

    _, _, _, pack = _prepare([], Path.cwd(), config_path)
    typer.echo(rules_table(pack), nl=False)


@app.command("explain")
def explain_command(
    rule: Annotated[str, typer.Argument(help="Rule code or name, e.g. PS101 or three-questions.")],
    config_path: ConfigOpt = None,
) -> None:
    """Print a rule's documentation: what it checks, why, how to fix, an example."""
    import difflib

    from .ruledoc import explain

    _, _, _, pack = _prepare([], Path.cwd(), config_path)
    found = pack.find(rule)
    if found is None:
        names = [r.name for r in pack.rules] + [r.code for r in pack.rules]
        close = difflib.get_close_matches(rule, names, n=1)
        fail(f"unknown rule '{rule}'" + (f"; did you mean '{close[0]}'?" if close else ""))
    typer.echo(explain(found, pack), nl=False)


def main() -> None:
    """Console entry point: usage errors (typer's) and internal failures exit 2, with one line."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:
        typer.echo(f"safety-lint: internal error: {type(err).__name__}: {err}", err=True)
        sys.exit(EXIT_ERROR)
