"""Start-to-decision time of `safety-lint guard` on typical hook payloads, as a ratio to
`python3 -c pass` under the same interpreter (the issue's target: at most 2x).

Every row is a new process timed from outside (start, read stdin, decide, exit), the way Claude
Code runs the hook before each Bash call: wall-clock time, and CPU time (user + system from
wait4), which other work on the machine disturbs much less. Rows run round-robin; the median of
N runs is shown. A second table splits an analysed call into layers (each row imports what the
row above it imports, and more), so the differences say where the time goes.
Only the standard library is used.

    python bench/guard_latency.py                 # 30 runs a row
    python bench/guard_latency.py --runs 50 --json raw.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRANSCRIPT = HERE.parent / "fixtures" / "guard" / "transcripts" / "confirmed-tool.jsonl"

PAYLOADS = {
    "read-only, no production word (fast path)": "git status && pytest -q",
    "no production, with $(...) (analysed)": 'cd "$(git rev-parse --show-toplevel)" && make test',
    "read-only production (analysed)": "kubectl get pods --context prod",
    "mutating production, no confirmation (ask)": "kubectl apply -f deploy.yaml --context prod",
    "mutating production, confirmed (allow)": "kubectl apply -f deploy.yaml --context prod",
}


def payload(command: str, transcript: str) -> bytes:
    return json.dumps(
        {
            "session_id": "sess-1",
            "transcript_path": transcript,
            "cwd": os.getcwd(),
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "bench"},
        }
    ).encode()


def long_transcript(folder: str, turns: int) -> str:
    """The confirmed fixture after `turns` filler exchanges (Bash calls and their output)."""
    path = os.path.join(folder, "long.jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for i in range(turns):
            call = {
                "type": "assistant",
                "sessionId": "sess-1",
                "message": {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": f"Step {i}: running the tests again."},
                        {
                            "type": "tool_use",
                            "id": f"t{i}",
                            "name": "Bash",
                            "input": {"command": "pytest -q tests/"},
                        },
                    ],
                },
            }
            result = {
                "type": "user",
                "sessionId": "sess-1",
                "message": {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": f"t{i}", "content": "." * 2000}
                    ],
                },
            }
            out.write(json.dumps(call) + "\n" + json.dumps(result) + "\n")
        out.write(TRANSCRIPT.read_text(encoding="utf-8"))
    return path


# Where the time of an analysed call goes: each row imports what the one before it did and
# more, so the differences between rows are the cost of each layer (the same interpreter, the
# same medians). The last rows are real calls.
LAYERS = [
    ("the interpreter's teardown skipped (the guard ends with `os._exit`)", ""),
    ("+ `import re` (the console script's own import)", "import re"),
    ("+ `import json` (reading the payload)", "import re, json"),
    (
        "+ the fast path's modules (guard.run, guard.settings)",
        "import re, json, safety_lint.guard.run, safety_lint.guard.settings",
    ),
    (
        "+ the action layer (shell, targets, catalogue)",
        "import re, json, safety_lint.guard.run, safety_lint.guard.settings, safety_lint.catalogue",
    ),
    (
        "+ the guard's analysis (decide, state, cache)",
        "import re, json, safety_lint.guard.run, safety_lint.guard.settings,"
        " safety_lint.catalogue, safety_lint.guard.decide, safety_lint.guard.state,"
        " safety_lint.guard.cache",
    ),
]


def timed(argv: list[str], data: bytes, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU time (user + system, from wait4) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    assert proc.stdin is not None
    proc.stdin.write(data)
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument(
        "--no-breakdown",
        dest="breakdown",
        action="store_false",
        help="leave out the table of where an analysed call's time goes",
    )
    ns = parser.parse_args()
    script = Path(ns.python).parent / "safety-lint"
    guard = [str(script), "guard"] if script.exists() else [ns.python, "-m", "safety_lint", "guard"]
    cache = tempfile.mkdtemp(prefix="guard-bench-")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "CLAUDE_CODE_ENTRYPOINT")}
    env["SAFETY_LINT_CACHE_DIR"] = cache
    # An installed wheel has its bytecode compiled (pip does it); a run with bytecode writing
    # off would compile every module on every call and measure that instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    rows: dict[str, tuple[list[str], bytes]] = {"python3 -c pass": ([ns.python, "-c", "pass"], b"")}
    for name, command in PAYLOADS.items():
        transcript = str(TRANSCRIPT) if "confirmed" in name else "/nonexistent.jsonl"
        rows[name] = (guard, payload(command, transcript))
    long = long_transcript(cache, 5000)
    size = os.path.getsize(long) / 1e6
    rows[f"confirmed after 10,000 other turns ({size:.0f} MB transcript, allow)"] = (
        guard,
        payload(PAYLOADS["mutating production, confirmed (allow)"], long),
    )
    rows["python -m safety_lint guard, fast path"] = (
        [ns.python, "-m", "safety_lint", "guard"],
        payload(PAYLOADS["read-only, no production word (fast path)"], "/nonexistent.jsonl"),
    )
    # The breakdown's rows: (label, the row of `rows` whose times it shows).
    layers: list[tuple[str, str]] = []
    if ns.breakdown:
        for name, code in LAYERS:
            ending = "import os; os._exit(0)"  # as the guard ends
            rows[name] = ([ns.python, "-c", f"{code}; {ending}" if code else ending], b"")
            layers.append((name, name))
        layers.append(
            (
                "= the read-only production call (reads the settings and the cached catalogue,"
                " decodes one family, analyses)",
                "read-only production (analysed)",
            )
        )
        layers.append(
            (
                "= the `ask` call (also imports the protocol's modules, reads its questions)",
                "mutating production, no confirmation (ask)",
            )
        )
    for argv, data in rows.values():  # warm: page cache, the JSON rule cache
        timed(argv, data, env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in rows}
    for _ in range(ns.runs):
        for name, (argv, data) in rows.items():
            times[name].append(timed(argv, data, env))
    shutil.rmtree(cache, ignore_errors=True)
    floor = statistics.median(w for w, _ in times["python3 -c pass"])
    cpu_floor = statistics.median(c for _, c in times["python3 -c pass"])
    print(
        f"# guard latency: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, {ns.runs} runs a row,"
        f" command {' '.join(guard)}"
    )
    print()
    print("| payload | wall ms | wall ratio | CPU ms | CPU ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    shown = {name for name, _ in layers if name in dict(LAYERS)}
    for name, values in times.items():
        if name in shown:
            continue
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(
            f"| {name} | {wall * 1000:.1f} | {wall / floor:.2f}x | {cpu * 1000:.1f} |"
            f" {cpu / cpu_floor:.2f}x |"
        )
    if layers:
        print()
        print("Where the time of an analysed call goes (each row includes the one above it):")
        print()
        print("| layer | CPU ms | CPU ratio | CPU ms added |")
        print("| --- | ---: | ---: | ---: |")
        print(f"| python3 -c pass | {cpu_floor * 1000:.1f} | 1.00x | |")
        before = cpu_floor
        for label, name in layers:
            cpu = statistics.median(c for _, c in times[name])
            added = (cpu - before) * 1000
            print(f"| {label} | {cpu * 1000:.1f} | {cpu / cpu_floor:.2f}x | {added:+.1f} |")
            before = cpu
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (CPU time is less disturbed by it)")
    if ns.json:
        Path(ns.json).write_text(json.dumps(times, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
