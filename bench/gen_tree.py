#!/usr/bin/env python3
"""Write a synthetic repository of N commands, agents and skills for bench/bench.py.

    python bench/gen_tree.py OUT --files 20000 [--seed 20250101]

The files are made from the example repository's commands and agents
(`fixtures/example-repo/.claude`) with a seeded random variation each (names replaced, 0 to 4
extra paragraphs, lists, code blocks or tables, one file in ten with a section removed), and
laid out the ways Claude Code finds them:

- 40 % in the root's `.claude/`: `commands/teamNN/areaNN/*.md`, `agents/teamNN/areaNN/*.md`,
  `skills/<name>/SKILL.md`;
- 60 % in plugins: `plugins/<plugin>/` with `.claude-plugin/plugin.json`, `commands/`,
  `agents/` and `skills/<name>/SKILL.md` (some skills with a `scripts/run.sh` that SKILL.md
  names), all listed in the root's `.claude-plugin/marketplace.json`.

Kinds go round-robin over command, agent, skill. The list of written Markdown files (what a
linter should lint) goes to OUT/.bench-files.txt, one path relative to OUT a line; the floor
of bench.py parses exactly those. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
FILE_LIST = ".bench-files.txt"
PLUGINS = 50
IN_PLUGINS = 0.6

NAMES = [
    "orders",
    "ledger",
    "invoices",
    "billing",
    "search",
    "catalog",
    "inventory",
    "pricing",
    "payments",
    "users",
    "sessions",
    "metrics",
    "events",
    "audit",
    "reports",
    "exports",
    "imports",
    "forecasts",
    "shipments",
    "returns",
    "vendors",
    "clickstream",
    "weather",
    "census",
    "tariffs",
    "energy",
    "transit",
    "housing",
    "health",
]
VERBS = [
    "deploy",
    "load",
    "update",
    "migrate",
    "sync",
    "refresh",
    "rebuild",
    "backfill",
    "publish",
    "rollout",
]
FILLER = [
    "This step reads the configuration for the target and checks that every input exists",
    "Results are written to the run log with the environment name in capitals",
    "If a step fails, report the error with the file and line and stop",
    "Prefer small, reviewable changes and keep the previous version tagged",
    "Never change a table that another team owns without their written agreement",
]


def _templates() -> list[tuple[str, str]]:
    """(kind, text) templates: the example repository's commands and agents, else built-ins."""
    base = PROJECT / "fixtures" / "example-repo" / ".claude"
    out = []
    for kind in ("commands", "agents"):
        for p in sorted((base / kind).glob("**/*.md")):
            out.append((kind, p.read_text(encoding="utf-8")))
    if out:
        return out
    return [
        (
            "commands",
            '---\ndescription: Deploy the dataset\nargument-hint: "[--environment=test|prod]"\n'
            "---\n\n# Deploy dataset\n\n## Steps\n\n1. Run `cdk deploy` for the stack.\n",
        ),
        (
            "agents",
            "---\nname: dataset-reader\ndescription: Reads datasets\ntools: Read, Grep\n---\n\n"
            "# Reader\n\nYou only read files.\n",
        ),
    ]


def _vary(text: str, rng: random.Random, i: int) -> str:
    name = rng.choice(NAMES)
    text = text.replace("dataset", name).replace("Dataset", name.capitalize())
    text = re.sub(r"(?m)^name: (.*)$", lambda m: f"name: {m.group(1)}-{i}", text)
    lines = text.split("\n")
    extra = []
    for _ in range(rng.randint(0, 4)):
        choice = rng.random()
        if choice < 0.4:
            extra.append(". ".join(rng.sample(FILLER, 3)).strip() + ".")
        elif choice < 0.65:
            extra.append(
                "\n".join(
                    f"- {rng.choice(VERBS)} `{rng.choice(NAMES)}` step {k}"
                    for k in range(rng.randint(2, 8))
                )
            )
        elif choice < 0.85:
            extra.append(f"```bash\n{rng.choice(VERBS)} --target {name} --environment test\n```")
        else:
            extra.append(
                "| step | owner |\n| --- | --- |\n"
                + "\n".join(
                    f"| {rng.choice(VERBS)} | {rng.choice(NAMES)} |"
                    for _ in range(rng.randint(1, 6))
                )
            )
    if extra:
        # insert before a random level-2 heading after the frontmatter, or at the end
        heads = [k for k, line in enumerate(lines) if line.startswith("## ")]
        at = rng.choice(heads) if heads and rng.random() < 0.7 else len(lines)
        lines[at:at] = ["", f"## Notes {i}", "", *"\n\n".join(extra).split("\n"), ""]
    if rng.random() < 0.1:  # drop one section: some files fail
        heads = [k for k, line in enumerate(lines) if line.startswith("## ")]
        if len(heads) >= 2:
            k = rng.randrange(len(heads) - 1)
            del lines[heads[k] : heads[k + 1]]
    return "\n".join(lines)


def _skill(text: str, name: str) -> str:
    """A command's text as a skill's SKILL.md: the skill is named in its frontmatter."""
    if text.startswith("---\n"):
        text = re.sub(r"(?m)^name: .*\n", "", text)
        return f"---\nname: {name}\n" + text[4:]
    return f"---\nname: {name}\n---\n\n{text}"


def make_tree(root: Path, n: int, seed: int = 20250101) -> list[str]:
    """Write n files under root; return their paths relative to root (also in FILE_LIST)."""
    rng = random.Random(seed)
    by_kind: dict[str, list[str]] = {"commands": [], "agents": []}
    for kind, text in _templates():
        by_kind[kind].append(text)
    written: list[str] = []
    plugins: list[str] = []
    for i in range(n):
        kind = ("commands", "agents", "skills")[i % 3]
        pool = by_kind["agents" if kind == "agents" else "commands"]
        text = _vary(pool[(i // 3) % len(pool)], rng, i)
        name = f"{rng.choice(VERBS)}-{rng.choice(NAMES)}-{i}"
        if rng.random() < IN_PLUGINS:
            plugin = f"plugin-{i % PLUGINS:02d}"
            base = root / "plugins" / plugin
            if not (base / ".claude-plugin").is_dir():
                (base / ".claude-plugin").mkdir(parents=True)
                manifest = {"name": plugin, "version": "1.0.0", "description": "bench"}
                (base / ".claude-plugin" / "plugin.json").write_text(json.dumps(manifest))
                plugins.append(plugin)
            sub = base / kind
        else:
            sub = root / ".claude" / kind
            if kind != "skills":
                sub = sub / f"team{i % 40:02d}" / f"area{(i // 40) % 25:02d}"
        if kind == "skills":
            folder = sub / name
            folder.mkdir(parents=True, exist_ok=True)
            body = _skill(text, name)
            if rng.random() < 0.2:  # a bundled script that SKILL.md names
                (folder / "scripts").mkdir(exist_ok=True)
                (folder / "scripts" / "run.sh").write_text("#!/bin/sh\necho checking\n")
                body += "\n\nRun `scripts/run.sh` to check the inputs first.\n"
            path = folder / "SKILL.md"
        else:
            sub.mkdir(parents=True, exist_ok=True)
            path = sub / f"{name}.md"
            body = text
        path.write_text(body, encoding="utf-8")
        written.append(path.relative_to(root).as_posix())
    if plugins:
        market = {
            "name": "bench-marketplace",
            "owner": {"name": "bench"},
            "plugins": [{"name": p, "source": f"./plugins/{p}"} for p in sorted(plugins)],
        }
        (root / ".claude-plugin").mkdir(parents=True, exist_ok=True)
        (root / ".claude-plugin" / "marketplace.json").write_text(json.dumps(market, indent=1))
    written.sort()
    (root / FILE_LIST).write_text("\n".join(written) + "\n", encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to write (created; must be empty or new)")
    ap.add_argument("--files", type=int, default=20000, help="number of files (default 20000)")
    ap.add_argument("--seed", type=int, default=20250101)
    args = ap.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(f"gen_tree: {args.out} is not empty", file=sys.stderr)
        return 2
    files = make_tree(args.out, args.files, args.seed)
    print(f"wrote {len(files)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
