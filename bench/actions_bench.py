"""The action layer's costs: import, catalogue and lexicon loading, per command and per
sentence. Prints a Markdown table (medians of --runs). Standard library only, apart from
safety-lint itself.

    python bench/actions_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

COMMANDS = [
    "kubectl --context acme-prd -n payments apply -f k8s/",
    "sudo -u deploy env FOO=1 uv run alembic -x env=prod upgrade head && echo done",
    "gcloud run deploy api --project acme-prod --image gcr.io/x/api:1",
    "psql \"$DATABASE_URL\" -c 'DELETE FROM sessions WHERE expires < now()'",
    "ssh deploy@prod-web-1 'sudo systemctl restart app && journalctl -u app -n 50'",
    "for ns in a b c; do kubectl -n $ns rollout restart deploy/api; done",
    "./scripts/release.sh 1.2.3 production",
    "echo hello | grep h",
]
SENTENCES = [
    "Deploy the service to production after the checks pass.",
    "Разверни сервис в production и проверь логи.",
    "本番環境にデプロイする前にテストを実行します。",
    "Document how the module parses its configuration files.",
]


def timed(fn: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def median(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    from safety_lint import catalogue, lexicon, shell
    from safety_lint.catalogue_schema import bundled_file, read_documents

    documents = json.loads(json.dumps(read_documents("catalogue", (), lambda d, s: list(d))))
    lexicon_docs = read_documents("lexicons", (), lambda d, s: list(d))
    built = catalogue.default_catalogue()
    lexicons = lexicon.default_lexicons()
    rows = [
        ("import safety_lint.shell", median(lambda: import_ms("safety_lint.shell"), runs), "ms"),
        (
            "import safety_lint.catalogue",
            median(lambda: import_ms("safety_lint.catalogue"), runs),
            "ms",
        ),
        (
            "import safety_lint.lexicon",
            median(lambda: import_ms("safety_lint.lexicon"), runs),
            "ms",
        ),
        (
            "catalogue from YAML (read + validate)",
            median(
                lambda: (
                    timed(lambda: read_documents("catalogue", (), catalogue.load_catalogue), 1)
                    * 1000
                ),
                runs,
            ),
            "ms",
        ),
        (
            "catalogue from parsed documents (a cache)",
            median(lambda: timed(lambda: catalogue.load_catalogue(documents), 3) * 1000, runs),
            "ms",
        ),
        (
            "lexicons from parsed documents",
            median(lambda: timed(lambda: lexicon.load_lexicons(lexicon_docs), 3) * 1000, runs),
            "ms",
        ),
        (
            "split_script, per command",
            median(
                lambda: (
                    timed(lambda: [shell.split_script(c) for c in COMMANDS], 200)
                    / len(COMMANDS)
                    * 1e6
                ),
                runs,
            ),
            "µs",
        ),
        (
            "analyse_script, per command",
            median(
                lambda: (
                    timed(lambda: [catalogue.analyse_script(c, built) for c in COMMANDS], 200)
                    / len(COMMANDS)
                    * 1e6
                ),
                runs,
            ),
            "µs",
        ),
        (
            "match_steps + match_gates, per sentence",
            median(
                lambda: (
                    timed(
                        lambda: [
                            (lexicon.match_steps(s, lexicons), lexicon.match_gates(s, lexicons))
                            for s in SENTENCES
                        ],
                        100,
                    )
                    / len(SENTENCES)
                    * 1e6
                ),
                runs,
            ),
            "µs",
        ),
    ]
    size = bundled_file("catalogue.yaml").stat().st_size
    print(
        f"python {sys.version.split()[0]}, {len(built.families)} families, "
        f"{sum(len(f.rules) for f in built.families)} rules, catalogue.yaml {size // 1024} KiB, "
        f"median of {runs} runs"
    )
    print()
    print("| measure | median |")
    print("|---|---:|")
    for name, value, unit in rows:
        print(f"| {name} | {value:.1f} {unit} |")


if __name__ == "__main__":
    main()
