"""Command line: a thin typer layer over the typed core. Exit 0 clean, 1 findings, 2 usage or
configuration error or internal failure."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from . import __version__

if TYPE_CHECKING:
    from .model import FileResult
from .formats.report import plain
from .runner import EXIT_ERROR, EXIT_FINDINGS


class Command(TyperCommand):
    """click suggests any option that shares a few letters (`--bogus`: "Possible options:
    --jobs"); keep only the close ones."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except Exception as err:
            found: Any = err  # click's NoSuchOption, from click or typer's copy of it
            wanted, offered = (
                getattr(found, "option_name", None),
                getattr(found, "possibilities", None),
            )
            if wanted and offered:
                found.possibilities = difflib.get_close_matches(wanted, offered, n=3, cutoff=0.75)
            raise


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


def note(message: str) -> None:
    """One line on stderr; whatever it quotes from the repository cannot break the line."""
    from .escape import printable

    typer.echo(printable(message), err=True)


def fail(message: str) -> NoReturn:
    note(f"safety-lint: error: {message}")
    raise typer.Exit(EXIT_ERROR)


def _write(path: Path, data: bytes, root: Path | None = None) -> None:
    """Write atomically; a path that cannot be written is a usage error (exit 2). With
    `root` (the status document), the path and any folder created stay inside the root."""
    from .fsutil import FileProblem, atomic_write, make_folders

    try:
        if root is not None:
            make_folders(path.parent, root)
        atomic_write(path, data, root)
    except (FileProblem, OSError) as err:
        fail(str(err))


def _printable_lines(text: str) -> str:
    """Text built from a rule pack (a team's may hold anything), line by line escaped."""
    from .escape import printable_line

    return "".join(printable_line(line) for line in text.splitlines(keepends=True))


def _style(text: str, **kw: Any) -> str:
    return typer.style(text, **kw)


def _use_color() -> bool:
    """NO_COLOR (no-color.org) wins, then FORCE_COLOR; a dumb terminal or a pipe gets none."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _shown(path: Path) -> str:
    """A path as the user would type it from here: relative when below the current folder."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


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


@contextmanager
def _usage() -> Iterator[None]:
    """The core's usage errors exit 2 with their one line."""
    from .runner import UsageError

    try:
        yield
    except UsageError as err:
        fail(str(err))


def _prepare(paths: list[Path] | None, root: Path | None, config_path: Path | None) -> Any:
    """Resolve root, configuration and rule pack; usage problems exit 2."""
    from .runner import prepare

    with _usage():
        setup = prepare(paths or [], root, config_path)
    return setup.root, setup.paths, setup.config, setup.pack


def _selector(pack: Any, config: Any, select: list[str] | None, ignore: list[str] | None) -> Any:
    from .runner import make_selector

    with _usage():
        return make_selector(pack, config, select or [], ignore or [])


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


JOBS_PER_CPU = 4


def _jobs(jobs: int | None) -> int:
    cpus = os.cpu_count() or 1
    if jobs is None:
        return cpus
    if jobs < 1:
        fail("--jobs must be 1 or more")
    if jobs > JOBS_PER_CPU * cpus:
        note(f"--jobs {jobs} capped at {JOBS_PER_CPU * cpus} ({JOBS_PER_CPU} per CPU)")
        return JOBS_PER_CPU * cpus
    return jobs


@app.command(cls=Command)
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
    user: Annotated[
        bool,
        typer.Option("--user", help="Also check your personal ~/.claude (commands, skills...)."),
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Check every file again; read and write no cache.")
    ] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            help="Result cache folder, e.g. .safety-lint-cache (default: in the user cache).",
        ),
    ] = None,
) -> None:
    """Check commands, skills, agents and core documents against the policy."""
    from .runner import CheckRequest, run_check

    request = CheckRequest(
        paths=paths or [],
        root=root,
        config_path=config_path,
        select=select or [],
        ignore=ignore or [],
        fail_on=fail_on,
        formats=[f.value for f in output_format or []],
        output_files=output_file or [],
        baseline=baseline,
        write_baseline=write_baseline,
        changed_since=changed_since,
        fix=fix,
        diff=diff,
        jobs=_jobs(jobs),
        user_home=Path.home() if user else None,
        style=_style if _use_color() else plain,
        github_actions=os.environ.get("GITHUB_ACTIONS") == "true",
        step_summary=Path(os.environ["GITHUB_STEP_SUMMARY"])
        if os.environ.get("GITHUB_STEP_SUMMARY")
        else None,
        cache=not no_cache,
        cache_dir=cache_dir,
    )
    with _usage():
        outcome = run_check(request, note=lambda line: typer.echo(line, err=True))  # escaped
    typer.echo(outcome.stdout, nl=False, color=_use_color())
    raise typer.Exit(outcome.exit_code)


@app.command(cls=Command)
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
    from .check import Selector
    from .engine import lint
    from .engine import select as select_files
    from .formats import report

    root, paths, config, pack = _prepare(paths, root, config_path)
    selection = select_files(root, paths, pack, config)
    from . import escape

    run = lint(selection, pack, config, Selector(), _jobs(jobs), keep_evidence=True)
    controls = output_format is not CheckFormat.json
    results = [escape.result(r, controls) for r in run.results]
    classes = {
        escape.printable(k) if controls else escape.name(k): escape.classification(c, controls)
        for k, c in run.classifications.items()
    }
    if output_format is CheckFormat.json:
        typer.echo(report.classification_json(results, classes), nl=False)
    else:
        typer.echo(report.classification_text(results, classes, explain), nl=False)
    if write:
        _write_classes(root, run.results, config.max_file_size)


def _write_classes(root: Path, results: list[FileResult], max_bytes: int) -> None:
    """`classify --write`: inferred classes into the frontmatter, atomically, one file at a
    time; each file read and replaced only inside the root, and only if it did not change."""
    from .declare import with_declaration
    from .fix import Encoded
    from .fsutil import FileProblem, atomic_write, read_bytes

    written = 0
    for r in results:
        if r.kind == "document" or r.cls is None or r.class_source not in ("inferred", "tools"):
            continue
        path = root / r.path
        try:
            data = read_bytes(path, max_bytes, root)
            encoded = Encoded.of(data)
            fixed = with_declaration(encoded.decode(data), r.cls)
            if fixed is None:
                typer.echo(f"{r.path}: not written: its frontmatter cannot take the key", err=True)
                continue
            atomic_write(path, encoded.encode(fixed), root, expected=data)
        except (OSError, UnicodeDecodeError, FileProblem) as err:
            typer.echo(f"{r.path}: not written: {err}", err=True)
            continue
        written += 1
    from .runner import _n

    typer.echo(f"wrote safety-class to {_n(written, 'file')}", err=True)


@app.command(cls=Command)
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
    from pathlib import PurePosixPath

    from . import escape
    from .fsutil import STATUS_LIMIT, FileProblem, outside_root, read_bytes

    root, _, config, pack = _prepare([root_arg] if root_arg else [], None, config_path)
    rel_path = PurePosixPath(path or config.status.path)
    if rel_path.is_absolute() or ".." in rel_path.parts or not rel_path.parts:
        fail(
            f"--path {path}: the status document must be a path inside the root (relative, no '..')"
        )
    target = root / rel_path
    if outside_root(target, root):
        fail(f"{rel_path}: leads outside the repository root through a symlink; not read")
    selector = _selector(pack, config, None, None)
    run = lint(select_files(root, [], pack, config), pack, config, selector, _jobs(None))
    existing: str | None = None
    if os.path.lexists(target):
        try:
            existing = read_bytes(target, STATUS_LIMIT, root).decode("utf-8")
        except (OSError, FileProblem, UnicodeDecodeError) as err:
            why = err.strerror if isinstance(err, OSError) and err.strerror else err
            fail(f"{rel_path}: cannot read the status document: {why}")
    shown = [escape.result(r, controls=True) for r in run.results]
    document = generate(existing, Inputs(shown, pack, config))
    if not write and not check_only:
        typer.echo("".join(escape.printable_line(x) for x in document.splitlines(True)), nl=False)
        return
    rel = rel_path
    if document == existing:
        note(f"{rel} is up to date")
        return
    if check_only:
        old = (existing or "").splitlines(keepends=True)
        diff = difflib.unified_diff(old, document.splitlines(keepends=True), f"a/{rel}", f"b/{rel}")
        typer.echo("".join(escape.printable_line(line) for line in diff), nl=False)
        import shlex

        again = ["safety-lint", "status", "--write"]
        again += [str(root_arg)] if root_arg else []
        again += ["--path", path] if path else []
        again += ["--config", str(config_path)] if config_path else []
        note(f"{rel} is out of date: run `{shlex.join(again)}`")
        raise typer.Exit(EXIT_FINDINGS)
    _write(target, document.encode("utf-8"), root)
    note(f"wrote {rel}")


class Kind(str, Enum):
    command = "command"
    skill = "skill"
    agent = "agent"


class SafetyClass(str, Enum):
    deployment = "deployment"
    batch = "batch"
    read_only = "read-only"


@app.command(cls=Command)
def new(
    kind: Annotated[Kind, typer.Argument(metavar="command|skill|agent", help="What to write.")],
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Name, kebab-case (e.g. dataset-backfill).")
    ],
    cls: Annotated[SafetyClass, typer.Option("--class", help="The file's safety class.")],
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Folder (default .claude/commands, .claude/skills or .claude/agents of the root).",
        ),
    ] = None,
    root: RootOpt = None,
) -> None:
    """Write a new command, skill or agent from the templates; it passes `check` as written."""
    import re

    from .discover import default_root
    from .fix import new_file
    from .model import CLASSES
    from .rulepack import RulePackError, default_pack

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        fail(f"'{name}' is not a kebab-case name (like dataset-backfill)")
    from .fsutil import FileProblem, create_new, make_folders

    root = root or default_root(Path.cwd())
    from .kinds import table
    from .layout import new_file_path

    target = new_file_path(table().spec(kind.value), name, root, directory)
    folder = target.parent
    if os.path.lexists(target):
        fail(f"{target} exists; not overwritten")
    try:
        chosen = next(c for c in CLASSES if c == cls.value)
        text = new_file(kind.value, name, chosen, default_pack())
    except RulePackError as err:
        fail(str(err))
    try:
        # The default folder is the repository's: it may not lead out of it. --dir is the user's.
        make_folders(folder, folder if directory is not None else root)
        create_new(target, text.encode("utf-8"))
    except FileProblem as err:
        fail(str(err))
    note(f"wrote {_shown(target)}")


@app.command("init", cls=Command)
def init_command(
    root: Annotated[
        Path | None, typer.Argument(metavar="[ROOT]", help="Repository root (default: git top).")
    ] = None,
    pyproject: Annotated[
        bool,
        typer.Option("--pyproject", help="Append [tool.safety-lint] to pyproject.toml instead."),
    ] = False,
) -> None:
    """Write a commented configuration from what the repository holds; print the pre-commit
    and CI snippets. Never overwrites without asking."""
    from .discover import default_root
    from .fsutil import WriteError, atomic_write
    from .init import CONFIG_NAME, render_toml, render_yaml, self_source, snippets, survey
    from .rulepack import RulePackError, default_pack

    if root is not None and not root.is_dir():
        fail(f"{root}: not a directory")
    root = root or default_root(Path.cwd())
    try:
        found = survey(root, default_pack())
    except RulePackError as err:
        fail(str(err))
    if pyproject:
        target = root / "pyproject.toml"
        try:
            existing = target.read_bytes() if target.exists() else b""
        except OSError as err:
            fail(f"{target}: cannot read: {err}")
        if b"[tool.safety-lint]" in existing:
            fail(f"{_shown(target)} already has [tool.safety-lint]; not changed")
        newline = b"\r\n" if b"\r\n" in existing else b"\n"
        table = render_toml(found).encode("utf-8").replace(b"\n", newline)
        if existing:  # appended after one blank line; the file's own lines stay as they are
            existing += b"" if existing.endswith(newline) else newline
            table = newline + table
        data = existing + table
    else:
        target = root / CONFIG_NAME
        data = render_yaml(found).encode("utf-8")
    replace = False
    if not pyproject and (target.exists() or target.is_symlink()):
        if not sys.stdin.isatty() or not typer.confirm(f"{_shown(target)} exists; overwrite it?"):
            fail(f"{_shown(target)} exists; not overwritten")
        replace = True
    try:
        atomic_write(target, data, exclusive=not replace and not target.exists())
    except WriteError as err:
        fail(str(err))
    typer.echo(f"wrote {_shown(target)}", err=True)
    typer.echo(snippets(self_source()), nl=False)


@app.command("config", cls=Command)
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
    for note in config.notes:  # two configuration files: which one this is
        typer.echo(note, err=True)
    folders = [bundled_rules_dir(), *config.rule_folders]
    typer.echo(effective(config, core_documents(pack, config), folders), nl=False)


@app.command("rules", cls=Command)
def rules_command(config_path: ConfigOpt = None) -> None:
    """List every rule: code, name, severity, what it applies to."""
    from .ruledoc import rules_table

    _, _, _, pack = _prepare([], Path.cwd(), config_path)
    typer.echo(_printable_lines(rules_table(pack)), nl=False)


@app.command("explain", cls=Command)
def explain_command(
    rule: Annotated[str, typer.Argument(help="Rule code or name, e.g. PS101 or three-questions.")],
    config_path: ConfigOpt = None,
) -> None:
    """Print a rule's documentation: what it checks, why, how to fix, an example."""

    from .ruledoc import explain

    _, _, _, pack = _prepare([], Path.cwd(), config_path)
    found = pack.find(rule)
    if found is None:
        fail(f"unknown rule '{rule}'{pack.did_you_mean(rule)}")
    typer.echo(_printable_lines(explain(found, pack)), nl=False)


@app.command("server")
def server_command() -> None:
    """Run the language server (LSP over standard input and output) for editors."""
    try:  # pygls is imported here only: `check` never pays for it
        from .server import serve
    except ImportError as err:
        fail(f"the language server needs pygls ({err}): pip install 'safety-lint[server]'")
    serve()


@app.command(
    "guard",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def guard_command(ctx: typer.Context) -> None:
    """Claude Code hook enforcing Rule #0 at run time; `guard install` adds it to the settings.

    The console script runs it without typer (safety_lint.entry); this is for `--help`."""
    from .guard.run import main as guard_main

    raise typer.Exit(guard_main(ctx.args))


def main() -> None:
    """Console entry point: usage errors (typer's) and internal failures exit 2, with one line."""
    # A latin-1 or cp1252 terminal gets escapes instead of a crash.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:
        note(f"safety-lint: internal error: {type(err).__name__}: {err}")
        sys.exit(EXIT_ERROR)
