"""The pipeline: discover -> parse -> classify -> check. Reporting is the caller's."""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .check import Selector, check_document, result_for
from .classify import classify
from .config import Config
from .discover import Selection, discover_repository, select_paths
from .fix import Encoded, FixOutcome, fix_document
from .model import Classification, Document, FileResult, Target, Violation
from .parse import parse_file, parse_text
from .rulepack import RulePack


@dataclass
class Run:
    selection: Selection
    results: list[FileResult]
    classifications: dict[str, Classification]
    agent_classes: Mapping[str, str | None] = field(default_factory=dict)


def core_documents(pack: RulePack, config: Config) -> list[str]:
    return config.core_documents if config.core_documents is not None else pack.core_documents


def select(
    root: Path, paths: Iterable[Path], pack: RulePack, config: Config, changed: bool = False
) -> Selection:
    """The whole repository, or the given files. With `changed` (a --changed-since run), a
    changed core document brings in the repository-level checks of every core document."""
    paths = list(paths)
    docs = core_documents(pack, config)
    if not paths and not changed:
        return discover_repository(root, docs, config.exclude, config.include)
    selection = select_paths(root, paths, docs, config.exclude)
    if changed and any(t.kind == "document" for t in selection.targets):
        whole = discover_repository(root, docs, config.exclude, config.include)
        known = {t.rel for t in selection.targets}
        extra = [t for t in whole.targets if t.kind == "document" and t.rel not in known]
        selection.targets = sorted(selection.targets + extra, key=lambda t: t.rel)
    return selection


def _agent_names(doc: Document) -> set[str]:
    stem = PurePosixPath(doc.target.rel).stem.lower()
    return {stem, doc.name.lower()}


def agent_classes(
    agents: Iterable[Document], pack: RulePack, config: Config
) -> dict[str, str | None]:
    """Each agent's class without delegation evidence: what delegation to it means."""
    out: dict[str, str | None] = {}
    for doc in agents:
        if doc.readable:
            cls = classify(doc, pack, config.classes).cls
            for name in _agent_names(doc):
                out.setdefault(name, cls)
    return out


def internal_error(target: Target, pack: RulePack, err: BaseException) -> FileResult:
    rule = pack.find("internal-error")
    assert rule is not None
    where = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    message = (
        f"safety-lint failed on this file ({type(err).__name__}: {err}{at}); "
        "please report it at the project's issue tracker"
    )
    violation = Violation(rule.code, rule.name, "error", 1, 1, message)
    return result_for(target, target.rel, Classification(None, None), [violation], [])


def lint(selection: Selection, pack: RulePack, config: Config, selector: Selector) -> Run:
    docs: dict[str, Document] = {}
    results: dict[str, FileResult] = {}
    for target in selection.targets:
        try:
            docs[target.rel] = parse_file(target, config.max_file_size)
        except Exception as err:
            results[target.rel] = internal_error(target, pack, err)
    # Delegation evidence needs the repository's agents, even when only some files were given.
    agents = [d for d in docs.values() if d.target.kind == "agent"]
    if not selection.whole_repository:
        known = {d.target.rel for d in agents}
        repo = discover_repository(selection.root, [], config.exclude)
        agents += [
            parse_file(t, config.max_file_size)
            for t in repo.targets
            if t.kind == "agent" and t.rel not in known
        ]
    classes: Mapping[str, str | None] = agent_classes(agents, pack, config)
    classifications: dict[str, Classification] = {}
    for rel, doc in docs.items():
        try:
            cls = (
                classify(doc, pack, config.classes, classes)
                if doc.readable
                else Classification(None, None)
            )
            classifications[rel] = cls
            results[rel] = check_document(doc, cls, pack, selector)
        except Exception as err:
            results[rel] = internal_error(doc.target, pack, err)
    ordered = [results[k] for k in sorted(results)]
    return Run(selection, ordered, classifications, classes)


def fix(run: Run, pack: RulePack, config: Config, selector: Selector) -> list[FixOutcome]:
    """What `--fix` would write for each file with a fixable violation (nothing is written)."""
    outcomes = []
    targets = {t.rel: t for t in run.selection.targets}
    for result in run.results:
        if not any(v.fixable for v in result.violations):
            continue
        target = targets[result.path]
        try:
            data = target.path.read_bytes()
            encoded = Encoded.of(data)
            text = encoded.decode(data)
        except (OSError, UnicodeDecodeError) as err:
            outcomes.append(FixOutcome(result.path, "", None, [], f"cannot read: {err}"))
            continue
        doc = parse_text(target, text)

        def recheck(fixed: str, target: Target = target) -> tuple[FileResult, Classification]:
            again = parse_text(target, fixed)
            cls = classify(again, pack, config.classes, run.agent_classes)
            return check_document(again, cls, pack, selector), cls

        outcomes.append(fix_document(doc, result, text, pack, recheck))
    return outcomes
