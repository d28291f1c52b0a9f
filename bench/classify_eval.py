"""Score the safety-class classifier against the hand labels of the shared corpus.

    python bench/classify_eval.py [--corpus PATH] [--labels PATH] [--first-look] [--json]

Each labelled file is classified in-process the way `safety-lint check` does it: every file of
its repository (`<corpus>/<owner>__<repo>`) is classified without delegation, then delegation
is settled as a fixpoint over the files' facts (`safety_lint.delegation`).

`--first-look` scores only the labels of the repositories added last to the corpus (the
`- owner/name (added ...)` lines of `SOURCES.md`, or `--repos a__b,c__d`): the honest estimate
of how the classifier does on a repository nobody tuned it on. The report has a table per
repository besides the totals.

This is a report, not a gate: it exits 0 whether or not the targets are met, and exits 0 with a
message when the corpus or the labels are absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from safety_lint.classify import FileFacts, classify, file_facts, settled
from safety_lint.config import load_config
from safety_lint.delegation import fixpoint
from safety_lint.discover import discover_repository
from safety_lint.model import Classification, Document, Kind, Target
from safety_lint.parse import parse_file
from safety_lint.rulepack import default_pack

LABELS = ("deployment", "batch", "read-only")
PREDICTED = ("deployment", "batch", "read-only", "unclassified")
RISKY = ("deployment", "batch")
# Targets of the classifier (README, "How files are classified").
# Issue 12: on all shared labels; the first look at new repositories asks for the same catch rate.
TARGETS = {"caught": 0.97, "read_only_kept": 0.92, "exact": 0.90, "unclassified_share": 0.05}
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@dataclass(frozen=True)
class Label:
    path: str
    kind: str
    label: str
    reason: str

    @property
    def borderline(self) -> bool:
        return self.reason.strip().lower().startswith("borderline:")


@dataclass
class Prediction:
    cls: str  # deployment | batch | read-only | unclassified | error
    source: str
    evidence: list[str]
    decided_by: str
    rules: tuple[str, ...] = ()


@dataclass
class Scores:
    rows: int
    matrix: dict[str, dict[str, int]]
    caught: float | None
    read_only_kept: float | None
    exact: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matrix": self.matrix,
            "caught": self.caught,
            "read_only_kept": self.read_only_kept,
            "exact": self.exact,
        }


@dataclass
class Report:
    corpus: str
    files: int
    unclassified: int
    errors: int
    all_rows: Scores
    without_borderline: Scores
    predicted: dict[str, int] = field(default_factory=dict)  # whole corpus, by class
    rules: dict[str, dict[str, int]] = field(default_factory=dict)  # evidence kind -> files hit
    misses: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # labelled paths not in the corpus
    repositories: dict[str, Scores] = field(default_factory=dict)

    @property
    def unclassified_share(self) -> float | None:
        return self.unclassified / self.files if self.files else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "files": self.files,
            "unclassified": self.unclassified,
            "unclassified_share": self.unclassified_share,
            "errors": self.errors,
            "predicted": self.predicted,
            "rules": self.rules,
            "all": self.all_rows.as_dict(),
            "without_borderline": self.without_borderline.as_dict(),
            "targets": TARGETS,
            "misses": self.misses,
            "missing": self.missing,
            "repositories": {k: v.as_dict() for k, v in self.repositories.items()},
        }


def read_labels(path: Path) -> list[Label]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return [
            Label(row["path"], row["kind"], row["label"].strip(), row.get("reason") or "")
            for row in reader
            if row.get("path")
        ]


def _prediction(doc: Document, c: Classification) -> Prediction:
    if not doc.readable:
        reason = "; ".join(d.message for d in doc.diagnostics if d.fatal)
        return Prediction("error", "", [], reason)
    evidence = [
        f"line {e.line}: {e.signal} {'decides' if e.weight >= 3 else 'weak'} {e.what} [{e.rule}]"
        + ("" if e.modality == "instructed" else f" ({e.modality})")
        for e in c.evidence
    ]
    return Prediction(
        c.cls or "unclassified",
        c.source or "",
        evidence,
        c.decided_by or c.unclassified_reason,
        tuple(sorted({e.rule for e in c.evidence})),
    )


def classify_repository(root: Path) -> dict[str, Prediction]:
    """Every command and agent of one repository, keyed by root-relative path: each file
    classified once without delegation, then delegation settled over the facts."""
    pack = default_pack()
    config = load_config(root)
    selection = discover_repository(root, [], config.exclude)
    docs = [parse_file(t, config.max_file_size) for t in selection.targets if t.kind != "document"]
    base: dict[str, Classification] = {}
    facts: dict[str, FileFacts | None] = {}
    names: dict[str, str] = {}
    for doc in docs:
        rel = doc.target.rel
        if not doc.readable:
            base[rel], facts[rel] = Classification(None, None), None
            continue
        fixed = settled(doc, pack, config.classes)
        facts[rel] = None if fixed is not None else file_facts(doc, pack)
        base[rel] = fixed or classify(doc, pack, config.classes, None)
        if doc.target.kind == "agent":
            for name in (PurePosixPath(rel).stem.lower(), doc.name.lower()):
                names.setdefault(name, rel)
    final = fixpoint(facts, {r: c.cls for r, c in base.items()}, names, pack)
    return {
        d.target.rel: _prediction(d, final.get(d.target.rel) or base[d.target.rel]) for d in docs
    }


def classify_corpus(corpus: Path) -> dict[str, Prediction]:
    """Every command and agent of every `<owner>__<repo>` folder, keyed by corpus path."""
    out: dict[str, Prediction] = {}
    for root in sorted(p for p in corpus.iterdir() if p.is_dir() and "__" in p.name):
        for rel, prediction in classify_repository(root).items():
            out[f"{root.name}/{rel}"] = prediction
    return out


def _classify_alone(corpus: Path, label: Label) -> Prediction | None:
    """A labelled file that discovery did not list (excluded, odd place): classify it alone."""
    path = corpus / label.path
    if not path.is_file() or "/" not in label.path:
        return None
    repo, rel = label.path.split("/", 1)
    pack = default_pack()
    config = load_config(corpus / repo)
    kind: Kind = "agent" if label.kind == "agent" else "command"
    doc = parse_file(Target(path, rel, kind), config.max_file_size)
    c = classify(doc, pack, config.classes, {}) if doc.readable else Classification(None, None)
    return _prediction(doc, c)


_ADDED = re.compile(r"^- ([\w.-]+)/([\w.-]+) \(added\b", re.M)


def added_last(corpus: Path) -> set[str]:
    """The `<owner>__<repo>` folders SOURCES.md lists as added later (`- owner/name (added`)."""
    try:
        text = (corpus / "SOURCES.md").read_text(encoding="utf-8")
    except OSError:
        return set()
    return {f"{owner}__{name}" for owner, name in _ADDED.findall(text)}


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def score(pairs: Sequence[tuple[Label, Prediction]]) -> Scores:
    matrix = {label: dict.fromkeys(PREDICTED, 0) for label in LABELS}
    for label, pred in pairs:
        row = matrix.setdefault(label.label, dict.fromkeys(PREDICTED, 0))
        column = pred.cls if pred.cls in PREDICTED else "unclassified"
        row[column] = row.get(column, 0) + 1
    risky = [p for lab, p in pairs if lab.label in RISKY]
    read_only = [p for lab, p in pairs if lab.label == "read-only"]
    return Scores(
        rows=len(pairs),
        matrix=matrix,
        caught=_share(sum(p.cls in (*RISKY, "unclassified") for p in risky), len(risky)),
        read_only_kept=_share(sum(p.cls == "read-only" for p in read_only), len(read_only)),
        exact=_share(sum(lab.label == p.cls for lab, p in pairs), len(pairs)),
    )


def _rule_hits(
    predictions: dict[str, Prediction], pairs: Sequence[tuple[Label, Prediction]]
) -> dict[str, dict[str, int]]:
    """For each evidence kind: how many labelled deployment/batch and read-only files it was
    found in, and how many files of the whole corpus (its precision at a glance)."""
    out: dict[str, dict[str, int]] = {}
    for pred in predictions.values():
        for rule in pred.rules:
            out.setdefault(rule, {"risky": 0, "read-only": 0, "corpus": 0})["corpus"] += 1
    for label, pred in pairs:
        for rule in pred.rules:
            row = out.setdefault(rule, {"risky": 0, "read-only": 0, "corpus": 0})
            row["risky" if label.label in RISKY else "read-only"] += 1
    return dict(sorted(out.items()))


def evaluate(corpus: Path, labels: Iterable[Label]) -> Report:
    predictions = classify_corpus(corpus)
    pairs: list[tuple[Label, Prediction]] = []
    missing: list[str] = []
    for label in labels:
        pred = predictions.get(label.path) or _classify_alone(corpus, label)
        if pred is None:
            missing.append(label.path)
            continue
        pairs.append((label, pred))
    misses = [
        {
            "path": lab.path,
            "kind": lab.kind,
            "label": lab.label,
            "predicted": pred.cls,
            "source": pred.source,
            "borderline": lab.borderline,
            "reason": lab.reason,
            "decided_by": pred.decided_by,
            "evidence": pred.evidence,
        }
        for lab, pred in pairs
        if lab.label != pred.cls
    ]
    by_repo: dict[str, list[tuple[Label, Prediction]]] = {}
    for lab, pred in pairs:
        by_repo.setdefault(lab.path.split("/", 1)[0], []).append((lab, pred))
    return Report(
        repositories={repo: score(rows) for repo, rows in sorted(by_repo.items())},
        predicted=dict(sorted(Counter(p.cls for p in predictions.values()).items())),
        rules=_rule_hits(predictions, pairs),
        corpus=str(corpus),
        files=len(predictions),
        unclassified=sum(p.cls == "unclassified" for p in predictions.values()),
        errors=sum(p.cls == "error" for p in predictions.values()),
        all_rows=score(pairs),
        without_borderline=score([(lab, p) for lab, p in pairs if not lab.borderline]),
        misses=misses,
        missing=missing,
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _mark(value: float | None, target: float, below: bool = False) -> str:
    if value is None:
        return ""
    met = value < target if below else value >= target
    return f"  (target {'<' if below else '>='} {100 * target:.0f}%: {'met' if met else 'MISSED'})"


def _scores_text(title: str, s: Scores) -> list[str]:
    width = max(len(c) for c in PREDICTED)
    out = [f"{title} ({s.rows} rows)", ""]
    corner = "label / predicted"
    out.append(f"  {corner:<18}" + "".join(f"{c:>{width + 2}}" for c in PREDICTED))
    for label, row in s.matrix.items():
        out.append(f"  {label:<18}" + "".join(f"{row.get(c, 0):>{width + 2}}" for c in PREDICTED))
    out += [
        "",
        f"  deployment+batch caught: {_pct(s.caught)}{_mark(s.caught, TARGETS['caught'])}",
        f"  read-only left read-only: {_pct(s.read_only_kept)}"
        f"{_mark(s.read_only_kept, TARGETS['read_only_kept'])}",
        f"  exactly right: {_pct(s.exact)}{_mark(s.exact, TARGETS['exact'])}",
        "",
    ]
    return out


def render(report: Report) -> str:
    out = [f"corpus: {report.corpus}", ""]
    out += _scores_text("All labelled files", report.all_rows)
    out += _scores_text("Without the borderline: rows", report.without_borderline)
    out.append(
        f"unclassified over the whole corpus: {report.unclassified} of {report.files} files "
        f"({_pct(report.unclassified_share)})"
        f"{_mark(report.unclassified_share, TARGETS['unclassified_share'], below=True)}"
    )
    spread = ", ".join(f"{k} {v}" for k, v in report.predicted.items())
    out.append(f"whole corpus predicted: {spread}")
    out += ["", "Per repository:", ""]
    width = max((len(r) for r in report.repositories), default=10)
    out.append(f"  {'repository':<{width}}  rows  risky  caught  read-only    kept   exact")
    for repo, sc in report.repositories.items():
        risky = sum(sum(sc.matrix.get(lab, {}).values()) for lab in RISKY)
        ro = sum(sc.matrix.get("read-only", {}).values())
        out.append(
            f"  {repo:<{width}}  {sc.rows:>4}  {risky:>5}  {_pct(sc.caught):>6}  {ro:>9}  "
            f"{_pct(sc.read_only_kept):>6}  {_pct(sc.exact):>6}"
        )
    if report.errors:
        out.append(f"unreadable files (not classified): {report.errors}")
    out += ["", "Evidence kinds (files they were found in; labelled files by label):", ""]
    out.append(f"  {'evidence':<28}{'deployment+batch':>18}{'read-only':>11}{'corpus':>8}")
    for rule, row in report.rules.items():
        out.append(f"  {rule:<28}{row['risky']:>18}{row['read-only']:>11}{row['corpus']:>8}")
    for path in report.missing:
        out.append(f"labelled but not found: {path}")
    out += ["", f"Misses ({len(report.misses)}):"]
    for miss in report.misses:
        border = " [borderline]" if miss["borderline"] else ""
        out.append(
            f"- {miss['path']}: label {miss['label']}, predicted {miss['predicted']}{border}"
        )
        out.append(f"    label reason: {miss['reason']}")
        out.append(f"    decided by: {miss['decided_by'] or '-'}")
        out.extend(f"    {line}" for line in miss["evidence"])
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder")
    parser.add_argument("--labels", type=Path, help="labels TSV (default: <corpus>/labels.tsv)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--first-look",
        action="store_true",
        help="only the labels of the repositories added last (SOURCES.md, or --repos)",
    )
    parser.add_argument("--repos", help="comma-separated <owner>__<repo> folders for --first-look")
    args = parser.parse_args(argv)
    corpus: Path = args.corpus
    labels_path: Path = args.labels or corpus / "labels.tsv"
    if not corpus.is_dir():
        print(f"corpus not found at {corpus}; nothing to evaluate")
        return 0
    if not labels_path.is_file():
        print(f"labels not found at {labels_path}; nothing to evaluate")
        return 0
    labels = read_labels(labels_path)
    if args.first_look:
        repos = set(args.repos.split(",")) if args.repos else added_last(corpus)
        if not repos:
            print(f"no repositories marked '(added' in {corpus / 'SOURCES.md'}; use --repos")
            return 0
        labels = [lab for lab in labels if lab.path.split("/", 1)[0] in repos]
        print(f"first look: {', '.join(sorted(repos))}")
    report = evaluate(corpus, labels)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        sys.stdout.write(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
