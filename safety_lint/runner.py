"""What `check` decides, as functions a test can call: the root and configuration, the rules
and files of the run, fixes, the baseline, the reports and the exit code. The command line
only turns options into a `CheckRequest` and prints the `CheckOutcome`."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .check import Selector
from .config import Config, ConfigError, load_config
from .discover import default_root, kind_of, relative, root_for_files
from .engine import Run, core_documents
from .formats.report import Style, plain
from .model import FileResult, Severity, is_severity
from .record import record, replace
from .rulepack import RulePack, RulePackError, default_pack

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "github", "sarif", "junit")
# Formats whose paths are shown from the current folder (people and GitHub click on them);
# JSON, SARIF and JUnit keep paths relative to the root, as documented.
FROM_HERE = ("text", "github")


class UsageError(Exception):
    """A usage or configuration problem: the command exits 2 with this one-line message."""


@dataclass(frozen=True)
class Setup:
    root: Path
    paths: list[Path]  # empty: the whole repository
    config: Config
    pack: RulePack
    missing_defaults: list[str] = field(default_factory=list)  # unconfigured: not checked


def root_for_folder(folder: Path) -> Path:
    """A folder argument's repository root, found as for files: the nearest folder at or above
    it that holds `.claude/` or `CLAUDE.md`, not above its git top level; else that top level,
    else the folder itself (like `ruff check src/`)."""
    folder = folder.absolute()
    top = default_root(folder)
    for candidate in (folder, *folder.parents):
        if (candidate / ".claude").is_dir() or (candidate / "CLAUDE.md").is_file():
            return candidate
        if candidate == top:
            break
    return top


def prepare(
    paths: Sequence[Path], root: Path | None, config_path: Path | None, cwd: Path | None = None
) -> Setup:
    """Resolve root, configuration and rule pack for the given paths. One folder that is its
    repository's root is a whole-repository run; any other folder is linted below it."""
    cwd = cwd or Path.cwd()
    paths = list(paths)
    if root is None:
        if len(paths) == 1 and paths[0].is_dir():
            root = root_for_folder(paths[0])
        elif paths:
            root = root_for_files(paths, cwd)
        else:
            root = default_root(cwd)
    elif not root.is_dir():
        raise UsageError(f"{root}: root is not a directory")
    if len(paths) == 1 and paths[0].is_dir() and paths[0].absolute() == root.absolute():
        root, paths = paths[0], []  # the root as given, so paths print as the user wrote them
    try:
        config = load_config(root, config_path)
        pack = default_pack(tuple(config.rule_folders))
    except (ConfigError, RulePackError) as err:
        raise UsageError(str(err)) from None
    pack = team_pack(pack, config)
    missing: list[str] = []
    if config.source is None and config.core_documents is None:
        # Never configured: most of the bundled list is one example team's. Check the ones
        # present, and the required ones (CLAUDE.md) when this looks like a Claude Code
        # repository at all; name the rest once.
        claude = (root / ".claude").is_dir()
        wanted = [
            d
            for d in pack.core_documents
            if (root / d).is_file() or (claude and d in pack.required_documents)
        ]
        missing = [d for d in pack.core_documents if d not in wanted]
        config.core_documents = wanted
    docs = core_documents(pack, config)
    for p in paths:
        # A missing command, agent or core document is that file's PS001; anything else is a typo.
        if not p.exists() and not p.is_symlink() and kind_of(relative(p, root), docs) is None:
            raise UsageError(f"{p}: no such file or directory")
    return Setup(root, paths, config, pack, missing)


def team_pack(pack: RulePack, config: Config) -> RulePack:
    """The pack with what the configuration adds to it: the team's own frontmatter keys."""
    if not config.frontmatter_keys:
        return pack
    rules = [
        replace(
            r, options={**r.options, "also": [*r.options.get("also", []), *config.frontmatter_keys]}
        )
        if r.check == "frontmatter-keys"
        else r
        for r in pack.rules
    ]
    return replace(pack, rules=rules)


def adoption_notes(setup: Setup) -> list[str]:
    """What a whole-repository run of a repository that never configured the tool should know,
    said once."""
    notes = []
    if not (setup.root / ".claude").is_dir():
        notes.append(
            f"no .claude/ folder in {setup.root}: no commands or agents to check "
            "(is this the repository root? `--root DIR` sets it)"
        )
    if setup.missing_defaults:
        notes.append(
            "no configuration found; core documents not in this repository, not checked: "
            + ", ".join(setup.missing_defaults)
            + " (`safety-lint init` writes a configuration that lists yours)"
        )
    return notes


def split(values: Sequence[str]) -> frozenset[str]:
    """`a,b` and repeated options as one set of names."""
    return frozenset(v.strip() for item in values for v in item.split(",") if v.strip())


def make_selector(
    pack: RulePack, config: Config, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> Selector:
    """The rules of the run: the command line's `--select` wins over the configuration's.
    An unknown name says where it was written and what it is close to."""

    def code(key: str, where: str) -> str:
        rule = pack.find(key)
        if rule is None:
            if where.startswith("--"):
                at = f"{where}: "
            else:
                at = f"{config.source}:{config.lines.get(f'{where}.{key}', 1)}: '{where}': "
            raise UsageError(
                f"{at}unknown rule '{key}'{pack.did_you_mean(key)} (see `safety-lint rules`)"
            )
        return rule.code

    chosen = frozenset(code(k, "--select") for k in split(select)) or frozenset(
        code(k, "select") for k in config.select
    )
    ignored = frozenset(code(k, "--ignore") for k in split(ignore)) | frozenset(
        code(k, "ignore") for k in config.ignore
    )
    severity = {code(k, "severity"): v for k, v in config.severity.items()}
    return Selector(chosen, ignored, severity, config.require_reason, config.require_safety_class)


@record
class CheckRequest:
    """Everything `safety-lint check` is asked to do."""

    paths: Sequence[Path] = ()
    root: Path | None = None
    config_path: Path | None = None
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fail_on: str | None = None  # None: the configuration's
    formats: Sequence[str] = ()  # empty: github under GitHub Actions, else text
    output_files: Sequence[Path] = ()  # paired with `formats`; the unpaired last goes to stdout
    baseline: Path | None = None
    write_baseline: Path | None = None
    changed_since: str | None = None
    fix: bool = False
    diff: bool = False
    jobs: int = 1
    user_home: Path | None = None  # --user: also the personal ~/.claude
    style: Style = plain  # how the text format on standard output is coloured
    github_actions: bool = False
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY
    cwd: Path | None = None
    cache: bool = True  # the result cache (`--no-cache`: off)
    cache_dir: Path | None = None  # default: in the user cache folder, one per repository


@dataclass
class CheckOutcome:
    exit_code: int
    stdout: str = ""
    stderr: list[str] = field(default_factory=list)  # notes, one line each
    results: list[FileResult] = field(default_factory=list)
    root: Path | None = None


def _from_here(results: list[FileResult], root: Path, cwd: Path) -> list[FileResult]:
    """Paths as seen from the current folder, so they can be clicked: `../.claude/...` from a
    subfolder of the root, `repo/.claude/...` from above it, absolute from anywhere else."""
    root, cwd = root.absolute(), cwd.absolute()
    if root == cwd:
        return results
    if root.is_relative_to(cwd) or cwd.is_relative_to(root):
        prefix = Path(os.path.relpath(root, cwd)).as_posix() + "/"
    else:
        prefix = root.as_posix().rstrip("/") + "/"
    # A personal file (`--user`) is shown as `~/.claude/...` wherever the root is.
    return [r if r.path.startswith("~") else replace(r, path=prefix + r.path) for r in results]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _write(path: Path, data: bytes) -> None:
    """Write atomically (only a regular file is replaced); a path that cannot be written is a
    usage error."""
    from .fsutil import FileProblem, atomic_write

    try:
        atomic_write(path, data)
    except (FileProblem, OSError) as err:
        raise UsageError(str(err)) from None


# Formats read by people or parsed line by line: control characters escaped too.
PRINTABLE = ("text", "github", "junit")


def _views(
    results: list[FileResult], root: Path, cwd: Path
) -> tuple[list[FileResult], list[FileResult], list[FileResult]]:
    """The results with every string from the repository escaped: for JSON and SARIF (names
    that are not UTF-8 as `\\xff`), for JUnit (control characters too), and for text and
    GitHub (paths from the current folder as well)."""
    from . import escape

    printable = [escape.result(r, controls=True) for r in results]
    return _names(results), printable, _from_here(printable, root, cwd)


def _names(results: list[FileResult]) -> list[FileResult]:
    """The results with names that are not UTF-8 escaped (`\\xff`), as JSON and SARIF show them."""
    from . import escape

    return [escape.result(r, controls=False) for r in results]


def _fail_on(request: CheckRequest, config: Config) -> Severity:
    value = request.fail_on or config.fail_on
    if not is_severity(value):
        raise UsageError(f"--fail-on takes error or warning, not '{value}'")
    return value


def _formats(request: CheckRequest) -> list[str]:
    formats = list(request.formats) or (["github"] if request.github_actions else ["text"])
    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(f"unknown output format '{fmt}'")
    if len(request.output_files) > len(formats):
        raise UsageError("more --output-file than --format options: pair each file with a format")
    if len(formats) - len(request.output_files) > 1:
        raise UsageError(
            "only one --format can go to standard output; give the others an --output-file"
        )
    return formats


def apply_fail_on(results: Sequence[FileResult], fail_on: Severity) -> list[FileResult]:
    """With `fail_on` warning, a file with warnings fails: every report (text counts, JSON
    status, JUnit failures) then agrees with the exit code."""
    if fail_on == "error":
        return list(results)
    return [
        replace(r, status="fail") if r.status == "pass" and r.violations else r for r in results
    ]


def failing(results: Sequence[FileResult]) -> bool:
    """Whether the run fails: a file that does not pass."""
    return any(r.status != "pass" for r in results)


def _cache_dir(request: CheckRequest, root: Path) -> Path | None:
    """Where the result cache is, or None when it is off (`--no-cache`, SAFETY_LINT_NO_CACHE).
    By default in the user cache folder, one per repository: a check writes nothing into the
    repository unless asked (`--cache-dir .safety-lint-cache` keeps it there, like ruff's)."""
    from .cache import disabled
    from .resultcache import default_folder

    if not request.cache or disabled():
        return None
    return request.cache_dir or default_folder(root)


def run_check(request: CheckRequest, note: Callable[[str], None] | None = None) -> CheckOutcome:
    """`safety-lint check`: notes go to `note` as they happen (and to the outcome's stderr);
    UsageError for anything that makes the command exit 2."""
    from .discover import GitError, changed_files, one_walk
    from .engine import lint
    from .engine import select as select_files
    from .formats import render

    outcome = CheckOutcome(EXIT_CLEAN)

    def say(line: str) -> None:
        from .escape import printable

        line = printable(line)  # a name in the line cannot break it or forge another
        outcome.stderr.append(line)
        if note is not None:
            note(line)

    cwd = request.cwd or Path.cwd()
    setup = prepare(request.paths, request.root, request.config_path, cwd)
    root, paths, config, pack = setup.root, setup.paths, setup.config, setup.pack
    outcome.root = root
    selector = make_selector(pack, config, request.select, request.ignore)
    fail_on = _fail_on(request, config)
    formats = _formats(request)
    if request.changed_since is not None:
        if paths:
            raise UsageError("--changed-since takes no paths: it selects the changed files itself")
        try:
            paths = changed_files(root, request.changed_since)
        except GitError as err:
            raise UsageError(str(err)) from None
        if not paths:
            say(f"no files changed since {request.changed_since}")
            return outcome
    for line in setup.config.notes:
        say(line)
    if not paths and request.changed_since is None:
        for line in adoption_notes(setup):
            say(line)
    changed = request.changed_since is not None
    with one_walk():  # selecting the files and listing the repository share one walk
        selection = select_files(root, paths, pack, config, changed, request.user_home)
        cache_dir = _cache_dir(request, root)
        run = lint(selection, pack, config, selector, request.jobs, cache_dir=cache_dir)
    for path, message in selection.problems:
        say(f"{path}: {message}")
    if paths and not selection.targets:
        # Named files, none of them ours: say so rather than "0 files checked".
        for rel in sorted(set(selection.skipped)):
            say(f"{rel}: not a command, agent, skill or core document; not checked")
    if request.fix or request.diff:
        fixed = _fix(run, pack, config, selector, request, say, outcome)
        if request.diff:
            outcome.exit_code = EXIT_FINDINGS if fixed is None else EXIT_CLEAN
            return outcome
        assert fixed is not None  # --fix returns the run checked again
        run = fixed
    results = _names(run.results)
    outcome.results = results
    if request.write_baseline is not None:
        from .baseline import dump

        _write(request.write_baseline, dump(results).encode("utf-8"))
        count = sum(len(r.violations) for r in results)
        say(f"wrote {count} violations to baseline {request.write_baseline}")
        return outcome
    if request.baseline is not None:
        from .baseline import BaselineError, apply, load

        try:
            results, hidden = apply(results, load(request.baseline), pack)
        except BaselineError as err:
            raise UsageError(str(err)) from None
        outcome.results = results
        if hidden:
            say(f"{hidden} violations in the baseline not shown")
    results = apply_fail_on(results, fail_on)
    outcome.results = results
    results, printable, shown = _views(results, root, cwd)

    def view(fmt: str) -> list[FileResult]:
        return shown if fmt in FROM_HERE else printable if fmt in PRINTABLE else results

    for fmt, target in zip(formats, request.output_files, strict=False):
        text = render(fmt, view(fmt), pack, plain)
        _write(target, text.encode("utf-8", "backslashreplace"))
    if len(formats) > len(request.output_files):
        fmt = formats[-1]
        style = request.style if fmt == "text" else plain
        outcome.stdout += render(fmt, view(fmt), pack, style)
    else:  # every format went to a file: the human summary still goes to the terminal
        outcome.stdout += render("text", shown, pack, plain)
    if request.step_summary is not None and "github" in formats:
        from .formats.github import step_summary

        summary = request.step_summary
        with open(summary, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(step_summary(printable))
    outcome.exit_code = EXIT_FINDINGS if failing(results) else EXIT_CLEAN
    return outcome


def _fix(
    run: Run,
    pack: RulePack,
    config: Config,
    selector: Selector,
    request: CheckRequest,
    say: Callable[[str], None],
    outcome: CheckOutcome,
) -> Run | None:
    """--fix writes the fixes and returns the run checked again; --diff puts them on stdout
    and returns None when there was something to fix."""
    from .engine import fix, lint
    from .escape import printable, printable_line
    from .fix import Encoded
    from .fsutil import FileProblem, atomic_write, read_bytes

    outcomes = fix(run, pack, config, selector)
    for o in outcomes:
        if o.problem:
            say(f"{o.path}: {o.problem}")
    done = [o for o in outcomes if o.fixed is not None]
    if request.diff:
        for o in done:
            a, b = o.original.splitlines(keepends=True), (o.fixed or "").splitlines(keepends=True)
            name = printable(o.path)
            lines = difflib.unified_diff(a, b, f"a/{name}", f"b/{name}")
            outcome.stdout += "".join(printable_line(line) for line in lines)
        count = sum(len(o.fixed_rules) for o in done)
        say(f"{_n(count, 'violation')} fixable in {_n(len(done), 'file')} (run with --fix)")
        return None if done else run
    root = run.selection.root
    fixed = files = 0  # only what was written is counted
    paths = {t.rel: t.path for t in run.selection.targets}
    home = run.selection.user_home
    for o in done:
        path = paths.get(o.path, root / o.path)
        # Files of the personal ~/.claude (--user) are the user's own; the rest stay in the root.
        inside = None if home is not None and path.is_relative_to(home) else root
        try:
            data = read_bytes(path, config.max_file_size, inside)
            current = Encoded.of(data).decode(data)
        except FileNotFoundError:
            say(f"{o.path}: deleted since it was checked; not fixed")
            continue
        except (OSError, FileProblem, UnicodeDecodeError) as err:
            why = err.strerror if isinstance(err, OSError) and err.strerror else err
            say(f"{o.path}: cannot read it again: {why}; not fixed")
            continue
        if current != o.original:  # changed under us: leave it alone
            say(f"{o.path}: changed while fixing; not written")
            continue
        try:
            atomic_write(path, Encoded.of(data).encode(o.fixed or ""), inside, expected=data)
        except FileProblem as err:
            say(f"{o.path}: not fixed: {err}")
            continue
        fixed += len(o.fixed_rules)
        files += 1
    cache_dir = _cache_dir(request, run.selection.root)
    again = lint(run.selection, pack, config, selector, request.jobs, cache_dir=cache_dir)
    remaining = sum(len(r.violations) for r in again.results)
    skipped = len(done) - files
    left = f" ({_n(skipped, 'file')} not written, see above)" if skipped else ""
    say(f"fixed {_n(fixed, 'violation')} in {_n(files, 'file')}; {remaining} remain{left}")
    return again
