"""The pipeline: discover -> parse -> classify -> check. Reporting is the caller's."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .bundled import bundled_files
from .check import Selector, check_document, result_for
from .checks.repository import AgentFacts, CommandFacts, Facts, invocations
from .classify import FileFacts, classify, file_facts, settings, settled
from .config import Config
from .delegation import agent_classes, fixpoint
from .discover import Selection, discover_repository, select_paths
from .fsutil import FileProblem, read_bytes
from .kinds import table as kinds_table
from .model import BundledFile, Classification, Document, FileResult, Target, Violation
from .parse import parse_file, parse_text
from .patterns import PatternTimeout
from .record import fields, record, replace
from .rulepack import RulePack

if TYPE_CHECKING:  # --fix and the cache only: not imported by a run that uses neither
    from .fix import FixOutcome
    from .resultcache import ResultCache


@dataclass
class Run:
    selection: Selection
    results: list[FileResult]
    classifications: dict[str, Classification]
    agent_classes: Mapping[str, str | None] = field(default_factory=dict)
    facts: Facts = field(default_factory=Facts)


def core_documents(pack: RulePack, config: Config) -> list[str]:
    return config.core_documents if config.core_documents is not None else pack.core_documents


def select(
    root: Path,
    paths: Iterable[Path],
    pack: RulePack,
    config: Config,
    changed: bool = False,
    user_home: Path | None = None,
) -> Selection:
    """The whole repository, or the given files. With `changed` (a --changed-since run), a
    changed core document brings in the repository-level checks of every core document.
    `user_home`: also the personal `~/.claude/` (`check --user`)."""
    paths = list(paths)
    docs = core_documents(pack, config)
    kinds = kinds_table(pack)
    if not paths and not changed:
        return discover_repository(root, docs, config.exclude, config.include, kinds, user_home)
    selection = select_paths(root, paths, docs, config.exclude, kinds)
    if changed and any(t.kind == "document" for t in selection.targets):
        whole = discover_repository(root, docs, config.exclude, config.include, kinds)
        known = {t.rel for t in selection.targets}
        extra = [t for t in whole.targets if t.kind == "document" and t.rel not in known]
        selection.targets = sorted(selection.targets + extra, key=lambda t: t.rel)
    selection.user_home = user_home
    return selection


NONE: frozenset[str] = frozenset()  # shared: an empty set is 216 bytes, and most files have two


def _agent_names(doc: Document) -> frozenset[str]:
    stem = PurePosixPath(doc.target.rel).stem.lower()
    return frozenset((stem, doc.name.lower()))


_NAME_LINE = re.compile(r"^name:[ \t]*['\"]?([^'\"\r\n#]+?)['\"]?[ \t]*$", re.M)


def sniff_agent_name(target: Target, root: Path | None = None) -> str | None:
    """An agent's frontmatter `name`, read from the head of the file without parsing it."""
    try:
        head = read_bytes(target.path, 4096, root, head=True).decode("utf-8", "replace")
    except (OSError, FileProblem):
        return None
    block = head.split("\n---", 2)[0] if head.startswith("---") else ""
    m = _NAME_LINE.search(block)
    return m.group(1).strip().lower() if m else None


def repository_files(
    root: Path, config: Config, pack: RulePack | None = None, user_home: Path | None = None
) -> list[Target]:
    """Every command, skill and agent of the repository (and of `user_home`), whatever the run
    selects: the repository checks judge a file against all of them."""
    kinds = kinds_table(pack)
    return discover_repository(root, [], config.exclude, kinds=kinds, user_home=user_home).targets


def agent_index(
    root: Path, config: Config, files: Iterable[Target] | None = None
) -> dict[str, Target]:
    """Every agent of the repository by each name it answers to (file stem, frontmatter name;
    a plugin's agent also as `plugin:name`)."""
    index: dict[str, Target] = {}
    for t in repository_files(root, config) if files is None else files:
        if t.kind == "agent":
            for name in (PurePosixPath(t.rel).stem.lower(), sniff_agent_name(t, root)):
                if name:
                    index.setdefault(name, t)
                    if t.plugin:
                        index.setdefault(f"{t.plugin.lower()}:{name}", t)
    return index


def internal_error(target: Target, pack: RulePack, err: BaseException) -> FileResult:
    rule = pack.find("internal-error")
    assert rule is not None
    where = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    message = (
        f"safety-lint failed on this file ({type(err).__name__}: {err}{at}); "
        "please report it at the project's issue tracker"
    )
    if isinstance(err, PatternTimeout):  # the rule pack's fault, not ours: say what to fix
        message = str(err)
    violation = Violation(rule.code, rule.name, "error", 1, 1, message)
    return result_for(target, target.rel, Classification(None, None), [violation], [])


def _command_names(files: Iterable[Target], pack: RulePack) -> dict[str, list[CommandFacts]]:
    """Every command and skill by the /name it answers to, for unique-command-name."""
    kinds = kinds_table(pack)
    out: dict[str, list[CommandFacts]] = {}
    for t in files:
        spec = kinds.spec(t.kind)
        if spec is None or spec.checked_as != "command":
            continue
        name = sniff_agent_name(t) if "frontmatter:name" in spec.name_from else None
        base = name or t.name or PurePosixPath(t.rel).stem
        full = (
            spec.plugin_form.format(plugin=t.plugin, name=base) if t.plugin else spec.prefix + base
        )
        out.setdefault(full.lower(), []).append(CommandFacts(t.rel, t.kind, t.scope))
    return out


@dataclass
class Outcome:
    """One file's verdict and what other files need to know about it."""

    result: FileResult
    classification: Classification
    names: frozenset[str]  # an agent's names
    base_class: str | None  # the class without delegation findings
    invoked: frozenset[str]  # agent names this file invokes
    # Its findings, when its class is inferred and it invokes agents (the rest can never
    # change class by delegation, and a run keeps every file's outcome until it ends).
    class_facts: FileFacts | None = None
    doc: Document | None = None  # kept when it invokes a known agent: checked again, not re-read
    full: Classification | None = None  # its classification with evidence, with `doc`
    # Its verdict waits for the final classes of the agents it invokes: it is checked again
    # after the first pass (`settle`), from `doc`, or parsed again when it came from the cache.
    pending: bool = False


@record
class Work:
    """Everything a worker needs; sent once to each worker process."""

    pack: RulePack
    config: Config
    selector: Selector
    invocation_patterns: tuple[str, ...]
    keep_evidence: bool = False  # `classify` shows the evidence; `check` needs only the verdict
    root: Path | None = None  # files are read only inside it
    invocations_trusted: bool = True  # the invocation patterns are all the bundled pack's


def _invocations_trusted(pack: RulePack) -> bool:
    rule = pack.find("agent-exists")
    return pack.classification_trusted and (rule is None or rule.trusted)


def _invocation_patterns(pack: RulePack) -> tuple[str, ...]:
    """Every form by which a rule finds an agent invoked: the names of an outcome's `invoked`
    are all the agents its checks look up (what a cached recheck is keyed by)."""
    patterns = [settings(pack).delegation_pattern.pattern]
    for name in ("agent-exists", "agent-flag-target"):
        rule = pack.find(name)
        if rule is not None:
            patterns += [str(p) for p in rule.options.get("patterns", [])]
    return tuple(dict.fromkeys(patterns))


def _slim(cls: Classification) -> Classification:
    return Classification(cls.cls, cls.source, [], cls.decided_by, cls.unclassified_reason)


def process(target: Target, work: Work, facts: Facts) -> Outcome:
    """Parse, classify (without delegation) and check one file; never raises."""
    doc: Document | None = None
    try:
        doc = parse_file(target, work.config.max_file_size, work.root)
        spec = kinds_table(work.pack).spec(target.kind)
        if doc.readable and spec is not None and spec.bundled_files:
            doc.bundled = bundled_files(doc, work.config.max_file_size, work.pack)
        if not doc.readable or kinds_table(work.pack).checked_as(target.kind) == "document":
            cls = Classification(None, None)  # a core document has no class and names no agent
            return Outcome(
                check_document(doc, cls, work.pack, work.selector, facts), cls, NONE, None, NONE
            )
        fixed = settled(doc, work.pack, work.config.classes)
        class_facts = None if fixed is not None else file_facts(doc, work.pack)
        if class_facts is not None and not class_facts.invoked:
            class_facts = None
        cls = classify(doc, work.pack, work.config.classes, None) if fixed is None else fixed
        result = check_document(doc, cls, work.pack, work.selector, facts)
        names = _agent_names(doc) if target.kind == "agent" else NONE
        found = invocations(doc, work.invocation_patterns, work.invocations_trusted)
        invoked = frozenset(name for name, _ in found) or NONE
        keep = bool(invoked & set(facts.agents)) or bool(
            class_facts and any(n in facts.agents for n, _ in class_facts.invoked)
        )
        slim = cls if work.keep_evidence else _slim(cls)  # memory: one outcome per file
        return Outcome(
            result,
            slim,
            names,
            cls.cls,
            invoked,
            class_facts,
            doc if keep else None,
            cls if keep else None,
            keep,
        )
    except Exception as err:
        return Outcome(
            internal_error(target, work.pack, err), Classification(None, None), NONE, None, NONE
        )


def recheck(o: Outcome, cls: Classification, work: Work, facts: Facts) -> Outcome:
    """Check a kept document again with its final class and the agents as they finally are."""
    assert o.doc is not None
    try:
        result = check_document(o.doc, cls, work.pack, work.selector, facts)
    except Exception as err:
        result = internal_error(o.doc.target, work.pack, err)
    slim = cls if work.keep_evidence else _slim(cls)
    return Outcome(result, slim, o.names, o.base_class, o.invoked, o.class_facts, None, None)


_WORK: Work | None = None
_FACTS: Facts | None = None


def _init_worker(work: Work, facts: Facts) -> None:
    global _WORK, _FACTS
    _WORK, _FACTS = work, facts


def _process_in_worker(target: Target) -> Outcome:
    assert _WORK is not None and _FACTS is not None
    return process(target, _WORK, _FACTS)


PARALLEL_FROM = 48  # fewer files are done faster in one process than by starting workers


def _share(o: Outcome, strings: dict[str, str]) -> Outcome:
    """The outcome with its messages and evidence lines replaced by equal strings met before:
    a run keeps every file's result until the report, and most messages recur."""
    r = o.result
    r.evidence = [strings.setdefault(e, e) for e in r.evidence]
    r.violations = [
        v if (m := strings.setdefault(v.message, v.message)) is v.message else replace(v, message=m)
        for v in r.violations
    ]
    return o


def _map(
    items: list[Target], work: Work, facts: Facts, jobs: int, strings: dict[str, str]
) -> list[Outcome]:
    """`process` over the items, in order, in `jobs` processes when there are enough items."""
    if jobs <= 1 or len(items) < PARALLEL_FROM:
        return [_share(process(t, work, facts), strings) for t in items]
    jobs = min(jobs, len(items) // 8)  # a worker is worth starting for a few files at least
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    chunk = max(1, min(64, len(items) // (jobs * 8)))
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init_worker, initargs=(work, facts)
    ) as pool:
        return [_share(o, strings) for o in pool.map(_process_in_worker, items, chunksize=chunk)]


def _open_store(work: Work, facts: Facts, cache_dir: Path | None) -> ResultCache[Outcome] | None:
    """The result cache (`resultcache.py`) of this run's pack, code, configuration and
    repository facts, or None (no cache asked for, or none can be kept)."""
    if cache_dir is None:
        return None
    from .cache import pack_key
    from .resultcache import ResultCache, run_key
    from .rulepack import bundled_rules_dir

    rest = {name: getattr(work, name) for name in fields(work) if name != "pack"}
    folders = [bundled_rules_dir(), *work.config.rule_folders]
    return ResultCache.open(cache_dir, run_key(pack_key(folders), rest, facts), Outcome)


def _map_cached(
    targets: list[Target],
    work: Work,
    facts: Facts,
    jobs: int,
    store: ResultCache[Outcome] | None,
    identities: dict[str, object | None],
    strings: dict[str, str],
) -> list[Outcome]:
    """`_map` of the first pass, with the verdicts of files unchanged since an earlier run
    taken from the result cache when there is one (a pending file's without its document).
    `identities` gets each file's cache identity (`_inputs`), which `settle` keys by too."""
    if store is None:
        return _map(targets, work, facts, jobs, strings)
    inputs = [_inputs(t, work) for t in targets]
    identities.update(zip((t.rel for t in targets), inputs, strict=True))
    found = [
        None if i is None else store.get(t.path, i) for t, i in zip(targets, inputs, strict=True)
    ]
    todo = [t for t, o in zip(targets, found, strict=True) if o is None]
    fresh = iter(_map(todo, work, facts, jobs, strings))
    out = []
    for t, i, o in zip(targets, inputs, found, strict=True):
        if o is None:
            o = next(fresh)
            if i is not None:
                store.put(t.path, i, replace(o, doc=None, full=None) if o.pending else o)
        else:
            o = _share(o, strings)
        out.append(o)
    return out


def settle(
    o: Outcome,
    target: Target,
    final: Classification | None,
    work: Work,
    facts: Facts,
    store: ResultCache[Outcome] | None,
    identity: object | None,
) -> Outcome:
    """A pending file's verdict with its final class (`final`: changed by delegation) against
    the agents as they are now: from the cache when its bytes, that class and the facts of
    the agents it invokes are those of an earlier run, else checked again. `identity`: the
    file's cache identity from the first pass (None: not cached)."""
    key: object | None = None
    if store is not None:
        names = o.invoked | {n for n, _ in (o.class_facts.invoked if o.class_facts else ())}
        agents = [(n, facts.agents[n]) for n in sorted(names) if n in facts.agents]
        key = None if identity is None else ["settled", identity, final, agents]
        found = None if key is None else store.get(target.path, key)
        if found is not None:
            return found
    if o.doc is None:  # its first pass came from the cache
        o = process(target, work, facts)
        if o.doc is None:
            return o
    done = recheck(o, final or o.full or o.classification, work, facts)
    if store is not None and key is not None:
        store.put(target.path, key, done)
    return done


MAX_BUNDLE = 200  # a skill folder with more files than this is not cached


def _inputs(target: Target, work: Work) -> object | None:
    """What a file's verdict is read from besides its own bytes, for the result cache key:
    the target, and for a kind with bundled files (a skill) every file of its folder, which
    SKILL.md may name. None: not cached."""
    identity = replace(target, path=Path())
    spec = kinds_table(work.pack).spec(target.kind)
    if spec is None or not spec.bundled_files:
        return identity
    import hashlib
    import os

    from .resultcache import regular_bytes

    digest = hashlib.sha256()
    count = 0
    for folder, dirs, names in os.walk(target.path.parent):
        dirs.sort()
        for name in sorted(names):
            count += 1
            if count > MAX_BUNDLE:
                return None
            path = os.path.join(folder, name)
            digest.update(f"\0{os.path.relpath(path, target.path.parent)}\0".encode())
            data = regular_bytes(Path(path), work.config.max_file_size + 1)
            digest.update(b"\0unreadable" if data is None else data)
    return [identity, digest.hexdigest()]


def lint(
    selection: Selection,
    pack: RulePack,
    config: Config,
    selector: Selector,
    jobs: int = 1,
    keep_evidence: bool = False,
    cache_dir: Path | None = None,
) -> Run:
    """Check every selected file once, in parallel when asked; then check again, in this
    process, the few files whose verdict depends on the agents they invoke (delegation
    evidence, the agent they pass ProductionConfirmed to). `cache_dir`: the result cache of a
    `check` run (the pack must be the configuration's, as `runner.prepare` makes it)."""
    work = Work(
        pack,
        config,
        selector,
        _invocation_patterns(pack),
        keep_evidence,
        selection.root,
        _invocations_trusted(pack),
    )
    home = selection.user_home
    files = repository_files(selection.root, config, pack, home)
    index = agent_index(selection.root, config, files)
    facts = Facts(commands=_command_names(files, pack))
    for name, target in index.items():
        facts.agents[name] = AgentFacts(target.rel, None, False)
    for name in config.external_agents:  # user-level or plugin agents: they exist, unchecked
        facts.agents.setdefault(name.lower(), AgentFacts(f"(external) {name}", None, False))
    store = _open_store(work, facts, cache_dir)
    identities: dict[str, object | None] = {}
    strings: dict[str, str] = {}
    outcomes = dict(
        zip(
            (t.rel for t in selection.targets),
            _map_cached(list(selection.targets), work, facts, jobs, store, identities, strings),
            strict=True,
        )
    )
    # The agents the selected files invoke, if they were not selected (a run on some files).
    wanted = {t.rel for t in selection.targets}
    invoked = {n for o in outcomes.values() for n in o.invoked if n in index}
    invoked |= {
        n
        for o in outcomes.values()
        if o.class_facts
        for n, _ in o.class_facts.invoked
        if n in index
    }
    extra = sorted({index[n] for n in invoked if index[n].rel not in wanted}, key=lambda t: t.rel)
    outcomes.update(
        zip(
            (t.rel for t in extra),
            _map_cached(extra, work, facts, jobs, store, identities, strings),
            strict=True,
        )
    )
    names: dict[str, str] = {}
    for rel, o in sorted(outcomes.items()):
        for name in o.names:
            names.setdefault(name, rel)
    base = {rel: o.base_class for rel, o in outcomes.items()}
    final = fixpoint({rel: o.class_facts for rel, o in outcomes.items()}, base, names, pack)
    current = {rel: final[rel].cls if rel in final else base[rel] for rel in outcomes}
    classes = agent_classes(current, names)

    def learn(o: Outcome) -> None:
        flag = {"flag-true", "flag-false"} <= set(o.result.met)
        for name in o.names:
            if facts.agents.get(name, AgentFacts(o.result.path, None, False)).path == o.result.path:
                facts.agents[name] = AgentFacts(o.result.path, current[o.result.path], flag)

    for o in outcomes.values():
        learn(o)
    # Files that invoke agents are checked again, with their final class, against the agents
    # as they finally are (agent-flag-target); agents first, as commands depend on them.
    targets = {t.rel: t for t in [*selection.targets, *extra]}
    kinds = kinds_table(pack)
    for kind in ("agent", "command"):
        for rel, o in sorted(outcomes.items()):
            if kinds.checked_as(targets[rel].kind) == kind and o.pending:
                outcomes[rel] = settle(
                    o, targets[rel], final.get(rel), work, facts, store, identities.get(rel)
                )
                learn(outcomes[rel])
    if store is not None:
        store.save()
    ordered = [outcomes[k].result for k in sorted(outcomes) if k in wanted]
    classifications = {k: o.classification for k, o in outcomes.items() if k in wanted}
    return Run(selection, ordered, classifications, classes, facts)


def fix(run: Run, pack: RulePack, config: Config, selector: Selector) -> list[FixOutcome]:
    """What `--fix` would write for each file with a fixable violation (nothing is written)."""
    from .fix import Encoded, FixOutcome, fix_document

    outcomes = []
    targets = {t.rel: t for t in run.selection.targets}
    for result in run.results:
        if not any(v.fixable for v in result.violations):
            continue
        target = targets[result.path]
        try:
            data = read_bytes(target.path, config.max_file_size, run.selection.root)
            encoded = Encoded.of(data)
            text = encoded.decode(data)
        except (OSError, FileProblem, UnicodeDecodeError) as err:
            why = err.strerror if isinstance(err, OSError) and err.strerror else err
            outcomes.append(FixOutcome(result.path, "", None, [], f"cannot read: {why}"))
            continue
        doc = parse_text(target, text)
        spec = kinds_table(pack).spec(target.kind)
        if spec is not None and spec.bundled_files:
            doc.bundled = bundled_files(doc, config.max_file_size, pack)

        def recheck(
            fixed: str, target: Target = target, bundled: tuple[BundledFile, ...] = doc.bundled
        ) -> tuple[FileResult, Classification]:
            again = parse_text(target, fixed)
            again.bundled = bundled
            cls = classify(again, pack, config.classes, run.agent_classes)
            return check_document(again, cls, pack, selector, run.facts), cls

        found = classify(doc, pack, config.classes, run.agent_classes).evidence
        try:
            outcomes.append(fix_document(doc, result, text, pack, recheck, found))
        except PatternTimeout as err:  # a team pattern on the fixed text: not fixed, say why
            outcomes.append(FixOutcome(result.path, text, None, [], f"fix not applied: {err}"))
    return outcomes
