#!/usr/bin/env python3
"""Benchmark safety-lint against a parse-only floor and two peer Markdown linters.

Prints the machine and one Markdown table of medians over N runs, with ratios, all measured
in one run of this script. Every process is timed end to end from outside (subprocess), so
interpreter start-up and imports are part of every number, the floor's included.

    python bench/bench.py                          # everything, 3 runs each
    python bench/bench.py --quick --peers-runs 1   # peers on a subset of the corpus, once
    python bench/bench.py --no-peers --synthetic 0 # safety-lint vs floor and latency only

See bench/README.md for what each row means and why the corpus is run once per repository.
Only the standard library is used here; the peers come from bench/setup.sh.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_tree import make_tree

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus"
BENCH_HOME = Path(os.environ.get("BENCH_HOME", Path.home() / ".cache" / "safety-lint-bench"))
TIME_BIN = "/usr/bin/time"
# The four smallest corpus repositories by bytes (~400 files): what --quick gives the peers.
QUICK_REPOS = (
    "0xfurai__claude-code-subagents",
    "SuperClaude-Org__SuperClaude_Framework",
    "melodic-software__claude-code-plugins",
    "ruvnet__claude-flow",
)
LINTED_GLOBS = (".claude/commands/**/*.md", ".claude/agents/**/*.md")

# The floor: one interpreter that imports markdown-it, reads every linted file of each root
# given on the command line and parses it with the CommonMark preset. Nothing else.
FLOOR_SRC = r"""
import sys
from pathlib import Path
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark")
n = 0
for root in sys.argv[1:]:
    root = Path(root)
    listed = root / ".bench-files.txt"  # a generated tree lists its files (gen_tree.py)
    if listed.is_file():
        paths = [root / line for line in listed.read_text().split()]
    else:
        paths = [p for pattern in (".claude/commands/**/*.md", ".claude/agents/**/*.md")
                 for p in sorted(root.glob(pattern))]
    for p in paths:
        if p.is_file():
            md.parse(p.read_text(encoding="utf-8", errors="replace"))
            n += 1
print(n)
"""


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- running processes


@dataclass
class Proc:
    elapsed: float
    rc: int | None
    maxrss_kb: int | None
    cpu: float | None  # user + system seconds of the process and its children
    stdout_head: str
    stderr_tail: str
    timed_out: bool = False
    stdout_tail: str = ""


def _wait(p: subprocess.Popen, t0: float, deadline: float):
    """Reap p with wait4 (its own rusage); kill its process group at the deadline."""
    while True:
        # wait4 gives this child's own rusage (getrusage(RUSAGE_CHILDREN) is a high-water
        # mark over every child so far, so it cannot isolate one row).
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            return pid, status, ru, time.perf_counter() - t0, False
        if time.perf_counter() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)  # the session this Popen started
            pid, status, ru = os.wait4(p.pid, 0)
            return pid, status, ru, time.perf_counter() - t0, True
        time.sleep(0.001)


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def run_proc(
    cmd: Sequence[str], cwd: Path | None = None, timeout: float = 3600, env: dict | None = None
) -> Proc:
    """Run one process, timing it end to end; peak RSS from /usr/bin/time -v, else wait4()."""
    use_time = os.access(TIME_BIN, os.X_OK)
    with tempfile.TemporaryDirectory(prefix="slbench-") as tmp:
        tfile = Path(tmp) / "time.txt"
        out = Path(tmp) / "stdout"
        err = Path(tmp) / "stderr"
        full = [TIME_BIN, "-v", "-o", str(tfile), *cmd] if use_time else list(cmd)
        rusage = None
        timed_out = False
        with out.open("wb") as fo, err.open("wb") as fe:
            t0 = time.perf_counter()
            p = subprocess.Popen(
                full,
                cwd=cwd or tmp,  # never this tree, which `python -m`/`-c` would import from
                stdout=fo,
                stderr=fe,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
            deadline = t0 + timeout
            try:
                _pid, status, rusage, elapsed, timed_out = _wait(p, t0, deadline)
            except BaseException:  # Ctrl-C or SIGTERM: do not leave the child running
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.wait4(p.pid, 0)
                raise
            p.returncode = -9 if timed_out else os.waitstatus_to_exitcode(status)
        maxrss = None
        cpu = None
        rc = None if timed_out else p.returncode
        if use_time and tfile.exists():
            text = tfile.read_text(errors="replace")
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
            maxrss = int(m.group(1)) if m else None
            u = re.search(r"User time \(seconds\): ([\d.]+)", text)
            k = re.search(r"System time \(seconds\): ([\d.]+)", text)
            cpu = float(u.group(1)) + float(k.group(1)) if u and k else None
            m = re.search(r"Command terminated by signal (\d+)", text)
            if m and rc == 0:
                rc = -int(m.group(1))
        elif rusage is not None:
            maxrss = int(rusage.ru_maxrss)  # kilobytes on Linux
            cpu = rusage.ru_utime + rusage.ru_stime
        stdout_head = out.read_bytes()[:4096].decode(errors="replace")
        stderr_tail = err.read_bytes()[-4096:].decode(errors="replace")
        stdout_tail = out.read_bytes()[-4096:].decode(errors="replace")
    return Proc(elapsed, rc, maxrss, cpu, stdout_head, stderr_tail, timed_out, stdout_tail)


# --------------------------------------------------------------------------- cases and rows


@dataclass
class Step:
    """One process of a case (one per corpus repository, or just one)."""

    label: str
    cmd: list[str]
    cwd: Path | None = None


@dataclass
class Row:
    section: str
    name: str
    files: int | None
    steps: list[Step] = field(default_factory=list)
    runs: int = 3
    ok_rc: tuple[int, ...] = (0,)
    baseline: str | None = None  # name of the row this one is divided by
    note: str = ""
    skip: str | None = None  # reason, when the row is not measured
    timeout: float = 1800
    check: Callable[[list[Proc]], str | None] | None = None  # extra per-run sanity check
    warmup: list[Step] = field(default_factory=list)  # run once, untimed, before the first run
    checked: list[int] = field(default_factory=list)  # files safety-lint said it checked
    # results
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None


def measure(rows: list[Row]) -> None:
    """Round-robin: run 1 of every row, then run 2, ... so that whatever else the machine is
    doing at some moment weighs on every row alike rather than on a few."""
    for row in rows:
        if row.skip:
            log(f"skip  {row.name}: {row.skip}")
    for i in range(max((r.runs for r in rows if not r.skip), default=0)):
        for row in rows:
            if not row.skip and i < row.runs:
                measure_once(row, i)


def measure_once(row: Row, i: int) -> None:
    log(f"run   {row.section} / {row.name} ({i + 1}/{row.runs}, {len(row.steps)} process(es))")
    if i == 0 and row.warmup:
        log(f"warm  {row.name}: {len(row.warmup)} untimed process(es)")
        for step in row.warmup:
            run_proc(step.cmd, step.cwd, timeout=row.timeout, env=bench_env())
    try:
        procs: list[Proc] = []
        failed = None
        for step in row.steps:
            pr = run_proc(step.cmd, step.cwd, timeout=row.timeout, env=bench_env())
            procs.append(pr)
            if pr.timed_out:
                failed = f"{step.label}: timed out after {row.timeout:.0f} s"
            elif pr.rc not in row.ok_rc:
                tail = " ".join(pr.stderr_tail.strip().splitlines()[-2:])[-200:]
                failed = f"{step.label}: exit {pr.rc}: {tail}"
            if failed:
                break
        if failed is None and row.check is not None:
            failed = row.check(procs)
        if failed:
            row.failures.append(failed)
            log(f"FAIL  {row.name}: {failed}")
            return
        seen = checked_in(procs)
        if seen is not None:
            row.checked.append(seen)
        row.times.append(sum(p.elapsed for p in procs))
        if all(p.cpu is not None for p in procs):
            row.cpu.append(sum(p.cpu for p in procs))
        rss = [p.maxrss_kb for p in procs if p.maxrss_kb]
        if rss:
            row.rss_kb.append(max(rss))
    except Exception as exc:  # a row records its failure; the benchmark goes on
        row.failures.append(f"{type(exc).__name__}: {exc}")
        log(f"FAIL  {row.name}: {type(exc).__name__}: {exc}")


def bench_env() -> dict:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    # Bytecode as an installed package has it: without it every run compiles safety-lint's
    # sources again (about 50 ms), while the dependencies' .pyc came with their install.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# --------------------------------------------------------------------------- the tools


def safety_lint_cmd(args: argparse.Namespace) -> list[str]:
    if args.safety_lint:
        return shlex.split(args.safety_lint)
    beside = Path(args.python).parent / "safety-lint"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("safety-lint")
    return [found] if found else [args.python, "-m", "safety_lint"]


def has_check_option(sl: list[str], option: str) -> bool:
    """Whether `safety-lint check --help` lists `option` (older versions lack some)."""
    try:
        p = subprocess.run(
            [*sl, "check", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**bench_env(), "COLUMNS": "200"},
        )
    except Exception:
        return False
    return option in p.stdout + p.stderr


def checked_in(procs: list[Proc]) -> int | None:
    """The files safety-lint's summary lines say it checked, summed over the processes."""
    seen = 0
    for p in procs:
        m = re.search(r"([\d,]+) files? checked", p.stdout_tail)
        if m is None:
            return None
        seen += int(m.group(1).replace(",", ""))
    return seen


def has_jobs_option(sl: list[str]) -> bool:
    return has_check_option(sl, "--jobs")


def tool_version(cmd: list[str]) -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"


def linted_files(root: Path) -> list[Path]:
    out: list[Path] = []
    for pattern in LINTED_GLOBS:
        out.extend(p for p in sorted(root.glob(pattern)) if p.is_file())
    return out


# --------------------------------------------------------------------------- machine


def machine_info(args: argparse.Namespace, sl: list[str]) -> list[str]:
    rss_source = "/usr/bin/time -v" if os.access(TIME_BIN, os.X_OK) else "os.wait4 rusage"
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except Exception:
        pass
    py = subprocess.run(
        [
            args.python,
            "-c",
            "import sys, platform; print(platform.python_version(), "
            "platform.python_implementation(), sys.executable)",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    commit = (
        subprocess.run(
            ["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        or "?"
    )
    dirty = subprocess.run(
        ["git", "-C", str(PROJECT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    where = subprocess.run(
        [args.python, "-c", "import safety_lint; print(safety_lint.__file__)"],
        cwd="/",  # not this tree's folder, which `python -c` would put first on sys.path
        capture_output=True,
        text=True,
    ).stdout.strip()
    if where and Path(where).resolve().is_relative_to(PROJECT):
        source = f"this tree, commit {commit}{' + uncommitted changes' if dirty else ''}"
    else:
        source = f"imported from {where or '?'} (this tree is at commit {commit})"
    lines = [
        f"- date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- CPU: {cpu}; cores: {os.cpu_count()} ({usable} usable); memory: {mem}",
        f"- OS: {platform.system()} {platform.release()}",
        f"- Python: {py}",
        f"- safety-lint: {tool_version([*sl, '--version'])} (`{' '.join(sl)}`), {source}",
        f"- peak RSS from: {rss_source}",
    ]
    lines.append(f"- load average at start: {loadavg()}")
    if args.note:
        lines.append(f"- note: {args.note}")
    return lines


def loadavg() -> str:
    """1-minute load average and the number of cores: other work on the machine skews timings."""
    try:
        return f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- table


TIMES = "\u00d7"  # multiplication sign
LE, GE, LT = "\u2264", "\u2265", "<"
DASH = "\u2013"  # en dash


def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def render(rows: list[Row], machine: list[str], args: argparse.Namespace) -> str:
    by_name = {r.name: r for r in rows}
    out = [
        "## Machine",
        "",
        *machine,
        "",
        f"Medians of the runs shown (wall clock, and CPU = user + system of the processes); "
        f"`{TIMES} base` divides by the row named in the note (the floor of the same files). "
        "Peak RSS is the largest single process. Runs go round-robin over the rows.",
        "",
    ]
    out.append(
        f"| section | case | files | runs | median s | min{DASH}max s | {TIMES} base "
        f"| CPU s | CPU {TIMES} base | peak RSS MiB | note |"
    )
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        med = r.median
        rng = f"{fmt_s(min(r.times))}{DASH}{fmt_s(max(r.times))}" if len(r.times) > 1 else "—"
        ratio = cpu_ratio = "—"
        base = by_name.get(r.baseline) if r.baseline else None
        if base and med is not None and base.median:
            ratio = f"{med / base.median:.1f}{TIMES}"
        if base and r.median_cpu is not None and base.median_cpu:
            cpu_ratio = f"{r.median_cpu / base.median_cpu:.1f}{TIMES}"
        rss = f"{max(r.rss_kb) / 1024:.0f}" if r.rss_kb else "—"
        notes = []
        if r.skip:
            notes.append(f"skipped: {r.skip}")
        if r.note:
            notes.append(r.note)
        if r.baseline:
            notes.append(f"base: {r.baseline}")
        if r.failures:
            notes.append(f"**{len(r.failures)} failed run(s)**: {r.failures[0]}")
        if r.checked and r.files and max(r.checked) != r.files:
            notes.append(f"safety-lint checked {max(r.checked):,} of the {r.files:,} files")
        runs = f"{len(r.times)}/{r.runs}" if not r.skip else "0"
        files = f"{r.files:,}" if r.files is not None else "—"
        note = "; ".join(notes).replace("|", "\\|").replace("\n", " ")
        out.append(
            f"| {r.section} | {r.name} | {files} | {runs} | {fmt_s(med)} | {rng} | {ratio} "
            f"| {fmt_s(r.median_cpu)} | {cpu_ratio} | {rss} | {note} |"
        )
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main


def corpus_rows(
    args: argparse.Namespace,
    sl: list[str],
    repos: list[Path],
    section: str,
    tag: str,
    with_peers: bool,
    with_single_floor: bool,
    jobs: bool,
) -> list[Row]:
    counts = {r.name: len(linted_files(r)) for r in repos}
    total = sum(counts.values())
    floor_name = f"floor, per repo ({tag})"
    rows: list[Row] = []
    if with_single_floor:
        rows.append(
            Row(
                section,
                f"floor, one process ({tag})",
                total,
                [Step("all", [args.python, "-c", FLOOR_SRC, *map(str, repos)])],
                runs=args.runs,
                baseline=floor_name,
                note="read + MarkdownIt('commonmark').parse, one interpreter for every file",
            )
        )
    rows.append(
        Row(
            section,
            floor_name,
            total,
            [Step(r.name, [args.python, "-c", FLOOR_SRC, str(r)]) for r in repos],
            runs=args.runs,
            note=f"sum of {len(repos)} processes, one per repo",
        )
    )
    rows.append(
        Row(
            section,
            f"safety-lint check ({tag})",
            total,
            [Step(r.name, [*args.check, str(r)]) for r in repos],
            runs=args.runs,
            ok_rc=(0, 1),
            baseline=floor_name,
            note=f"sum of {len(repos)} processes; default settings{args.check_note}",
        )
    )
    if args.cache_root is not None:
        caches = [args.cache_root / f"{tag}-{r.name}" for r in repos]
        steps = [
            Step(r.name, [*sl, "check", "--cache-dir", str(c), str(r)])
            for r, c in zip(repos, caches, strict=True)
        ]
        rows.append(
            Row(
                section,
                f"safety-lint check, cached re-run ({tag})",
                total,
                steps,
                runs=args.runs,
                ok_rc=(0, 1),
                baseline=floor_name,
                warmup=steps,
                note="result cache filled by one untimed run first; nothing changed since",
            )
        )
    if jobs is not None:
        rows.append(
            Row(
                section,
                f"safety-lint check --jobs 1 ({tag})",
                total,
                [Step(r.name, [*args.check, "--jobs", "1", str(r)]) for r in repos],
                runs=args.runs,
                ok_rc=(0, 1),
                baseline=floor_name,
                skip=None if jobs else "`--jobs` not in `safety-lint check --help`",
            )
        )
    if not with_peers:
        return rows
    peers_runs = args.peers_runs or args.runs
    pym = BENCH_HOME / "venv" / "bin" / "pymarkdown"
    steps = []
    for r in repos:
        dirs = [d for d in (".claude/commands", ".claude/agents") if (r / d).is_dir()]
        steps.append(Step(r.name, [str(pym), "--continue-on-error", "scan", "-r", *dirs], cwd=r))
    rows.append(
        Row(
            section,
            f"pymarkdown scan ({tag})",
            total,
            steps,
            runs=peers_runs,
            ok_rc=(0, 1),
            baseline=floor_name,
            timeout=args.peer_timeout,
            skip=None if pym.exists() else f"{pym} missing: run bench/setup.sh",
            note="pymarkdownlnt, --continue-on-error, default rules; one process per repo",
        )
    )
    mdl = BENCH_HOME / "npm" / "bin" / "markdownlint-cli2"

    def check_mdl(procs: list[Proc]) -> str | None:
        seen = 0
        for p in procs:
            m = re.search(r"Linting: (\d+) file", p.stdout_head + p.stderr_tail)
            seen += int(m.group(1)) if m else 0
        return None if seen == total else f"markdownlint-cli2 linted {seen} files, expected {total}"

    rows.append(
        Row(
            section,
            f"markdownlint-cli2 ({tag})",
            total,
            [Step(r.name, [str(mdl), *LINTED_GLOBS], cwd=r) for r in repos],
            runs=peers_runs,
            ok_rc=(0, 1),
            baseline=floor_name,
            timeout=args.peer_timeout,
            check=check_mdl,
            skip=None if mdl.exists() else f"{mdl} missing: run bench/setup.sh",
            note="default rules; one process per repo",
        )
    )
    return rows


def synthetic_rows(
    args: argparse.Namespace, sl: list[str], tmp_root: Path, n: int, full: bool, jobs: bool
) -> list[Row]:
    """A generated tree of n files (commands, agents, skills; in `.claude/` and plugins):
    the floor, and safety-lint with the default workers, and for the full size --jobs 1,
    --jobs 2 and a cached re-run; --jobs 1 also at N/4 for the memory per file."""
    tree = tmp_root / f"n{n}"
    t0 = time.perf_counter()
    make_tree(tree, n)
    log(f"synthetic tree of {n} files in {time.perf_counter() - t0:.1f} s: {tree}")
    size = sum(p.stat().st_size for p in tree.rglob("*.md"))
    sec = f"scale (synthetic, {n:,} files, {size / 1e6:.0f} MB)"
    base = f"floor, one process (N={n})"
    floor = [Step("floor", [args.python, "-c", FLOOR_SRC, str(tree)])]
    rows = [Row(sec, base, n, floor, runs=args.runs, note="the files gen_tree.py listed")]

    def lint(name: str, extra: list[str], note: str = "", **kw: object) -> Row:
        return Row(
            sec,
            f"{name} (N={n})",
            n,
            [Step("check", [*args.check, *extra, str(tree)])],
            runs=args.runs,
            ok_rc=(0, 1),
            baseline=base,
            note=note,
            **kw,  # type: ignore[arg-type]
        )

    rows.append(lint("safety-lint check", [], f"default workers{args.check_note}"))
    if jobs:
        rows.append(lint("safety-lint check --jobs 1", ["--jobs", "1"]))
        if full:
            rows.append(lint("safety-lint check --jobs 2", ["--jobs", "2"]))
    if full and args.cache_root is not None:
        cmd = [*sl, "check", "--cache-dir", str(args.cache_root / f"synthetic-{n}"), str(tree)]
        steps = [Step("check", cmd)]
        rows.append(
            Row(
                sec,
                f"safety-lint check, cached re-run (N={n})",
                n,
                steps,
                runs=args.runs,
                ok_rc=(0, 1),
                baseline=base,
                warmup=steps,
                note="result cache filled by one untimed run first",
            )
        )
    return rows


def _row(rows: list[Row], prefix: str) -> Row | None:
    return next((r for r in rows if r.name.startswith(prefix) and r.times), None)


def render_targets(rows: list[Row]) -> str:
    """The issue's targets (#16), each as the ratio this run measured, met or missed."""
    out = [
        "## Targets",
        "",
        "Each ratio is of two rows of the table above, of their median wall-clock times and of "
        "their median CPU times (user + system). On a busy machine the CPU ratio is the "
        "steadier one; on an idle one the wall-clock ratio is what a user waits.",
        "",
        "| target | wall | met | CPU | met |",
        "| --- | ---: | --- | ---: | --- |",
    ]

    def ratio(a: Row | None, b: Row | None, cpu: bool = False) -> float | None:
        if a is None or b is None:
            return None
        x, y = (a.median_cpu, b.median_cpu) if cpu else (a.median, b.median)
        return x / y if x and y else None

    def line(what: str, wall: float | None, cpu: float | None, limit: float, at_most: bool) -> None:
        def shown(x: float | None) -> str:
            return "—" if x is None else f"{x:.2f}{TIMES}"

        def met(x: float | None) -> str:
            if x is None:
                return "—"
            return "met" if (x <= limit if at_most else x >= limit) else "**missed**"

        out.append(f"| {what} | {shown(wall)} | {met(wall)} | {shown(cpu)} | {met(cpu)} |")

    floor = _row(rows, "floor, per repo (all)")
    check = _row(rows, "safety-lint check (all)")
    jobs1 = _row(rows, "safety-lint check --jobs 1 (all)")
    cached = _row(rows, "safety-lint check, cached re-run (all)")
    imports = _row(rows, "python -c 'import")
    one = _row(rows, "safety-lint check ONE_FILE")
    mdl = _row(rows, "markdownlint-cli2 (all)") or _row(rows, "markdownlint-cli2 (subset)")
    pym = _row(rows, "pymarkdown scan (all)") or _row(rows, "pymarkdown scan (subset)")
    sub_check = check if mdl is None or "(all)" in mdl.name else None
    sub_check = sub_check or _row(rows, "safety-lint check (subset)")
    for what, a, b, limit in (
        (f"corpus `check` (default) {LE} 1.0{TIMES} the parse floor", check, floor, 1.0),
        (f"corpus `check --jobs 1` {LE} 1.5{TIMES} the parse floor", jobs1, floor, 1.5),
        (f"one-file `check` {LE} 1.3{TIMES} the import floor", one, imports, 1.3),
        (f"cached re-run of the unchanged corpus {LE} 0.2{TIMES} the floor", cached, floor, 0.2),
    ):
        line(what, ratio(a, b), ratio(a, b, cpu=True), limit, at_most=True)
    for what, peer, limit in (
        (f"markdownlint-cli2 / safety-lint {GE} 3{TIMES}", mdl, 3.0),
        (f"pymarkdown / safety-lint {GE} 50{TIMES}", pym, 50.0),
    ):
        line(what, ratio(peer, sub_check), ratio(peer, sub_check, cpu=True), limit, at_most=False)
    for prefix in ("safety-lint check --jobs 1 (N=", "safety-lint check (N="):
        sizes = sorted(
            (r for r in rows if r.name.startswith(prefix) and r.rss_kb and r.files),
            key=lambda r: r.files or 0,
        )
        if len(sizes) >= 2:
            small, big = sizes[0], sizes[-1]
            # per file safety-lint checked (fewer than the tree has, in a version that does
            # not find skills or plugins)
            n_small = max(small.checked) if small.checked else small.files or 0
            n_big = max(big.checked) if big.checked else big.files or 0
            if n_big <= n_small:
                continue
            growth = (max(big.rss_kb) - max(small.rss_kb)) / (n_big - n_small)
            per_1000 = growth * 1000 / 1024
            which = "--jobs 1" if "jobs 1" in prefix else "default workers"
            ok = "met" if growth < 2 else "**missed**"
            out.append(
                f"| peak RSS growth {LT} 2 KiB per file ({which}; "
                f"{max(small.rss_kb) / 1024:.0f} MiB at {n_small:,}, "
                f"{max(big.rss_kb) / 1024:.0f} MiB at {n_big:,} files checked) "
                f"| {growth:.2f} KiB/file = {per_1000:.2f} MiB per 1,000 files | {ok} | | |"
            )
    for prefix in ("safety-lint check --jobs 1 (N=", "safety-lint check --jobs 2 (N="):
        base = next((r for r in rows if r.name.startswith("floor, one process (N=")), None)
        for r in rows:
            if r.name.startswith(prefix) and r.times and base and r.files == base.files:
                x, c = ratio(r, base), ratio(r, base, cpu=True)
                if x is not None and c is not None:
                    out.append(
                        f"| {r.name} / floor (no target) | {x:.2f}{TIMES} | | {c:.2f}{TIMES} | |"
                    )
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"folder of <owner>__<repo> folders (default: {DEFAULT_CORPUS})",
    )
    ap.add_argument("--runs", type=int, default=3, help="runs per row (default 3)")
    ap.add_argument("--peers-runs", type=int, default=0, help="runs per peer row (default: --runs)")
    ap.add_argument(
        "--latency-runs", type=int, default=10, help="runs per latency row (default 10)"
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="peers on a subset (the 4 smallest repos), with the floor and safety-lint "
        "measured on the same subset for their ratios",
    )
    ap.add_argument("--no-peers", action="store_true", help="skip the peer linters")
    ap.add_argument(
        "--synthetic",
        type=int,
        default=20000,
        help="files in the synthetic tree (default 20000; 0 skips); also run at N/4",
    )
    ap.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter for the floor and import rows (default: this one)",
    )
    ap.add_argument(
        "--safety-lint",
        default="",
        help="command to run safety-lint "
        "(default: safety-lint beside --python, else on PATH, else python -m)",
    )
    ap.add_argument("--peer-timeout", type=float, default=1800, help="seconds per peer process")
    ap.add_argument("--note", default="", help="a line added to the machine block")
    ap.add_argument("--output", type=Path, help="also write the Markdown here")
    ap.add_argument("--json", type=Path, help="write raw timings here")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)

    sl = safety_lint_cmd(args)
    machine = machine_info(args, sl)
    jobs = has_jobs_option(sl)
    cache = has_check_option(sl, "--no-cache")
    log(f"safety-lint: {' '.join(sl)}; --jobs supported: {jobs}; result cache: {cache}")
    # Every row but the cached ones runs without the result cache: a repeated run would
    # otherwise be answered from the cache its first run wrote.
    args.check = [*sl, "check", *(["--no-cache"] if cache else [])]
    args.check_note = " (--no-cache)" if cache else ""
    args.cache_root = Path(tempfile.mkdtemp(prefix="safety-lint-bench-cache-")) if cache else None
    rows: list[Row] = []

    # -- corpus
    repos = sorted(p for p in args.corpus.iterdir() if p.is_dir()) if args.corpus.is_dir() else []
    if repos:
        for r in repos:  # warm the page cache so that the first timed row is not penalised
            for p in linted_files(r):
                p.read_bytes()
        nbytes = sum(p.stat().st_size for r in repos for p in linted_files(r))
        section = f"corpus ({len(repos)} repos, {nbytes / 1e6:.1f} MB)"
        rows += corpus_rows(
            args,
            sl,
            repos,
            section,
            "all",
            with_peers=not args.no_peers and not args.quick,
            with_single_floor=True,
            jobs=jobs,
        )
        if args.quick and not args.no_peers:
            sub = [r for r in repos if r.name in QUICK_REPOS]
            nb = sum(p.stat().st_size for r in sub for p in linted_files(r))
            rows += corpus_rows(
                args,
                sl,
                sub,
                f"quick subset ({len(sub)} repos, {nb / 1e6:.1f} MB)",
                "subset",
                with_peers=True,
                with_single_floor=False,
                jobs=None,
            )
    else:
        rows.append(Row("corpus", "corpus", None, skip=f"{args.corpus} not found"))

    # -- pre-commit latency: one file, a cold process
    one = None
    if repos:
        files = sorted(
            (p for r in repos for p in linted_files(r)), key=lambda p: (p.stat().st_size, str(p))
        )
        one = files[len(files) // 2]  # the median-sized corpus file
    lat = "pre-commit latency (1 file)"
    rows.append(
        Row(
            lat,
            "python -c pass",
            0,
            [Step("python", [args.python, "-c", "pass"])],
            runs=args.latency_runs,
            note="interpreter start only",
        )
    )
    imports = "python -c 'import markdown_it, ruamel.yaml, typer'"
    rows.append(
        Row(
            lat,
            imports,
            0,
            [Step("imports", [args.python, "-c", "import markdown_it, ruamel.yaml, typer"])],
            runs=args.latency_runs,
            note="the dependencies' import floor",
        )
    )
    if one is not None:
        repo_dir = next(r for r in repos if one.is_relative_to(r))
        rel = one.relative_to(repo_dir)
        rows.append(
            Row(
                lat,
                "safety-lint check ONE_FILE",
                1,
                [Step("one", [*args.check, str(rel)], cwd=repo_dir)],
                runs=args.latency_runs,
                ok_rc=(0, 1),
                baseline=imports,
                note=f"`{repo_dir.name}/{rel}` ({one.stat().st_size:,} B), cwd = its repo",
            )
        )

    if repos:  # the same, in the smallest repository: a one-file run may read its whole repo
        small = min(repos, key=lambda r: (len(linted_files(r)), r.name))
        f = sorted(linted_files(small), key=lambda p: (p.stat().st_size, str(p)))
        if f and (one is None or not one.is_relative_to(small)):
            f1 = f[len(f) // 2]
            rel = f1.relative_to(small)
            rows.append(
                Row(
                    lat,
                    "safety-lint check ONE_FILE (small repo)",
                    1,
                    [Step("one", [*args.check, str(rel)], cwd=small)],
                    runs=args.latency_runs,
                    ok_rc=(0, 1),
                    baseline=imports,
                    note=f"`{small.name}/{rel}` ({f1.stat().st_size:,} B; the repo has "
                    f"{len(f)} linted files), cwd = its repo",
                )
            )

    # -- scale: synthetic trees (bench/gen_tree.py)
    tmp_root = None
    if args.synthetic > 0:
        tmp_root = Path(tempfile.mkdtemp(prefix="safety-lint-synthetic-"))
        for n in (args.synthetic, max(1, args.synthetic // 4)):
            try:
                rows += synthetic_rows(args, sl, tmp_root, n, full=n == args.synthetic, jobs=jobs)
            except Exception as exc:
                rows.append(
                    Row(
                        f"scale (N={n})",
                        f"synthetic N={n}",
                        n,
                        skip=f"generation failed: {type(exc).__name__}: {exc}",
                    )
                )

    try:
        measure(rows)
    finally:
        for folder in (tmp_root, args.cache_root):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)

    machine.append(f"- load average at end: {loadavg()}")
    table = render(rows, machine, args) + "\n" + render_targets(rows)
    print(table)
    if args.output:
        args.output.write_text(table, encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "section": r.section,
                        "case": r.name,
                        "files": r.files,
                        "times": r.times,
                        "median": r.median,
                        "cpu": r.cpu,
                        "rss_kb": r.rss_kb,
                        "checked": r.checked,
                        "failures": r.failures,
                        "skip": r.skip,
                        "baseline": r.baseline,
                        "note": r.note,
                    }
                    for r in rows
                ],
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
