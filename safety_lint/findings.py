"""Findings of the action layer: the catalogue's actions in the code a file runs, and the
lexicons' plain-language steps, as `Evidence` with a modality.

An action decides when it is mutating and its target is not local (`kubectl --context acme-prd
apply`, `kamal deploy`); an unknown tool with a mutating verb (`./release.sh`) is weak unless
it names a production target. A step decides when its verb acts on a live object or target
("Разверни сервис в production"); a verb with nothing to act on is weak. The action's own
fan-out option (`kubectl delete --all-namespaces`) is scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, partial

from . import modality
from .catalogue import Action, Catalogue, analyse_script, is_local, is_production
from .decide import DECIDES, WEAK
from .lexicon import Lexicons, match_gates, match_steps
from .model import Evidence
from .record import record, replace
from .sources import Source
from .targets import name_parts

CODE = ("code", "script", "inline")
# A Latin-script match counts only in a sentence with that language's own little words:
# otherwise it is an English word the language shares ("migration", "restore").
_OWN_WORDS = {
    "de": re.compile(r"\b(der|die|das|den|dem|und|für|mit|auf|eine?n?|zu|im|ins|nach|vor)\b", re.I),
    "fr": re.compile(r"\b(le|la|les|des|du|et|pour|dans|sur|une?|vers|avec|au|aux)\b", re.I),
    "es": re.compile(r"\b(el|los|las|del|y|para|una?|con|al|por)\b", re.I),
}

MAX_INLINE = 300  # an inline span longer than this is prose in backticks, not a command


@record
class ApiOperations:
    """Operation names of cloud CLIs that the catalogue does not know (rule pack data)."""

    mutating: tuple[str, ...]
    reading: tuple[str, ...]
    local: tuple[str, ...] = ()


_CAMEL = re.compile(r"^([A-Z][a-z]+)[A-Z]\w*$")
_KEBAB = re.compile(r"^([a-z]+)-[a-z][\w-]*$")
_PLAIN_TOOL = re.compile(r"^(\./|\.\./|~/|/)?[a-z0-9_][\w./+-]*$")


def _effect(action: Action, ops: ApiOperations) -> str:
    """The action's effect, with unknown tools' API operations and implausible commands
    judged: `aliyun ecs CreateInstance` mutates; `deployment_target: x` is not a command."""
    if action.family != "generic":
        return action.effect
    head = action.text.strip().lstrip("$! ").split()
    if not head or not _PLAIN_TOOL.match(head[0]) or head[0].endswith(":"):
        return "unknown"  # `deployment_target: kubernetes`, a quoted sentence
    words = [a for a in action.args[:3] if not a.startswith("-")]
    if words and words[0].startswith("/") and words[0].count("/") == 1:
        return "unknown"  # `gemini /restore`: a prompt to another assistant
    if words and words[0].lower() in ops.local:
        return "reading"  # the CLI's own set-up on this machine
    for word in words:
        camel, kebab = _CAMEL.match(word), _KEBAB.match(word)
        verb = camel.group(1) if camel else kebab.group(1).capitalize() if kebab else ""
        if verb in ops.reading:
            return "reading"
        if verb in ops.mutating:
            return "mutating" if camel else "unknown-mutating"
    return action.effect


def _strength(action: Action, effect: str, catalogue: Catalogue) -> int:
    """DECIDES, WEAK, or 0 (no finding) for one action."""
    if effect not in ("mutating", "unknown-mutating"):
        return 0
    production = any(is_production(t, catalogue.production) for t in action.targets)
    local = bool(action.targets) and all(is_local(t, catalogue) for t in action.targets)
    if local and not production:
        return 0
    if effect == "mutating" or production:
        return DECIDES
    return WEAK


_SLASH_COMMAND = re.compile(r"^/[\w.:-]+$")  # `/deploy`: a Claude command, not a program
_SCRIPT = re.compile(r"^(\./|\.\./|~/|/|[\w.-]+/)[\w./-]+$|\.(sh|bash|py|rb|js|ps1)$")


def _command_like(text: str, catalogue: Catalogue) -> bool:
    """An inline span that is a command: a catalogue tool or a script path, then arguments.
    `deploy`, `prod.yaml`, `Create ML pipeline` are words, not commands."""
    words = text.strip().lstrip("$! ").split()
    if len(words) < 2 or len(text) > MAX_INLINE:
        return False
    first = words[1] if words[0] in ("sudo", "env", "npx", "uv", "poetry", "bundle") else words[0]
    return first.lower() in catalogue.by_tool or bool(_SCRIPT.search(first))


_WORD = re.compile(r"->|=>|→|[\w./-]+")


def deploying_words(
    sources: Iterable[Source], catalogue: Catalogue, scope: modality.Scope
) -> frozenset[str]:
    """The words of the sentences where the file says something goes to production: a
    production name and a deploy link (`catalogue.deploy_links`) in one sentence. The
    description counts as one sentence: it is what the file says it does. A prohibition
    ("never push to main during a production deploy") says nothing goes there."""
    found: set[str] = set()
    for src in sources:
        if src.kind not in ("description", "text") or src.modality == "prohibited":
            continue
        folded = src.text.casefold()
        if not any(name in folded for name in catalogue.production):
            continue
        parts = [folded] if src.kind == "description" else modality.sentences(folded)
        for part in parts:
            if modality.lead(part, scope) == "prohibited":
                continue
            words = set(_WORD.findall(part))
            names = {p for w in words for p in name_parts(w)}
            linked = words & catalogue.deploy_links or names & catalogue.deploy_links
            if linked and any(n in catalogue.production for n in names):
                found |= {w.strip("./") for w in words}
    return frozenset(found)


def action_findings(
    sources: Sequence[Source], catalogue: Catalogue, ops: ApiOperations, scope: modality.Scope
) -> Iterator[Evidence]:
    """Every action of the code sources that may change something, with its modality."""
    # The file's production sentences, worked out once and only if a rule asks for them.
    words = cache(partial(deploying_words, sources, catalogue, scope))
    catalogue = replace(catalogue, deploying_words=words)
    for src in sources:
        if src.kind not in CODE:
            continue
        if src.kind == "inline" and not _command_like(src.text, catalogue):
            continue
        for action in analyse_script(src.text, catalogue, src.line):
            head = action.text.strip().lstrip("$! ").split()
            if not head or _SLASH_COMMAND.match(head[0]):
                continue
            if not src.typed and (action.family == "generic" or head[0] != head[0].lower()):
                continue  # an unlabelled fence holds prose, trees and code as often as commands
            effect = _effect(action, ops)
            weight = _strength(action, effect, catalogue)
            if not weight:
                continue
            on = f" on {', '.join(action.targets)}" if action.targets else ""
            what = f"runs `{action.text.strip()[:80]}` ({effect}{on})"
            if src.path:
                what += f" in {src.path}"
            yield Evidence(
                action.line, "deployment", weight, what, action.rule_id, src.modality, "action"
            )
            if action.scope_all and weight == DECIDES:
                yield Evidence(
                    action.line,
                    "batch",
                    DECIDES,
                    f"`{action.tool}` runs over every target (its own fan-out option)",
                    "scope-all",
                    src.modality,
                    "scope",
                )


_CONFIRM = re.compile(
    r"confirm|approv|consent|sign-?off|подтвержд|bestätig|confirmaci|确认|確認|承認|同意", re.I
)
_STATE_CHANGE = re.compile(
    r"\b(mutat\w*|state[- ]chang\w*|destructive (operations?|actions?|changes?|commands?)"
    r"|write operations?"
    r"|changes? to (production|the account|resources|infrastructure))\b"
    r"|изменяющ|zustandsänder|modifiant l|cambi\w* de estado|变更|変更",
    re.I,
)
_CONFIRM_BEFORE = re.compile(r"\bconfirm\w*\b[^.;]{0,60}\bbefore\b", re.I)
# Tool calls in code and inline code: `k8s_scale_deployment(...)`, `skill_run("rollout_restart")`.
_CALL_NAME = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\s*\(")
_CALL_ARG = re.compile(r"\b[a-z]\w*\(\s*[\"']([a-z][a-z0-9]*(?:[_-][a-z0-9]+)+)[\"']")
CALLS = ("code", "inline", "calls", "script")


def _gate(text: str, lexicons: Lexicons, live: re.Pattern[str]) -> int | None:
    """Where a sentence describes a confirmation gate for state changes: a gate phrase of the
    lexicons, a confirmation word, and the changes named (a live target, a mutating step,
    "mutation", "state-changing")."""
    if not _CONFIRM.search(text):  # no confirmation word: no gate (the cheap test first)
        return None
    gates = [g.start for g in match_gates(text, lexicons)]
    gates += [m.start() for m in _CONFIRM_BEFORE.finditer(text)]
    if not gates or not _CONFIRM.search(text):
        return None
    if live.search(text) or _STATE_CHANGE.search(text):
        return min(gates)
    if any(m.effect == "mutating" for m in match_steps(text, lexicons)):
        return min(gates)
    return None


def call_findings(sources: Iterable[Source], lexicons: Lexicons) -> Iterator[Evidence]:
    """Tool calls whose name says they change a live object (`delete_db_instance`)."""
    for src in sources:
        if src.kind not in CALLS or "(" not in src.text:
            continue
        for pattern in (_CALL_NAME, _CALL_ARG):
            for m in pattern.finditer(src.text):
                words = m.group(1).replace("_", " ").replace("-", " ")
                step = next(
                    (x for x in match_steps(words, lexicons) if x.effect == "mutating"), None
                )
                if step is None:
                    continue
                line = src.line + src.text.count("\n", 0, m.start())
                what = f"calls `{m.group(1)}` ({step.verb} {step.object})"
                yield Evidence(
                    line, "deployment", DECIDES, what, "tool-call", src.modality, "action"
                )


# A clause opening (a sentence, a dash: "Automate tasks — create pipelines", what a skill
# covers: "..., including deleting snapshots"), then at most
# three words of a list of verbs: "Query and manage RDS instances", "Create, view, and manage
# tasks", "Build/deploy the app".
_CLAUSE = re.compile(
    r"(?:^|[.;:!?]\s+|\s*[\u2013\u2014]\s*|\s-\s+|,\s+including\s+|"
    r"(?i:\buse\s+(?:this|the)\s+(?:skill|agent|subagent|command)\s+(?:to|for)\s+"
    r"(?:help(?:ing)?\s+(?:users|you|the\s+user)\s+(?:to\s+)?)?))"
    r"['\"]?(?:(?:[A-Za-z]+,?\s+){0,2}(?:and|or|&)\s+|(?:[A-Za-z]+,\s*)+|[A-Za-z]+/)?$"
)


def _leads(text: str, start: int) -> bool:
    """Does the verb at `start` open a sentence, alone or in a list of verbs ("Restart a
    deployment", "Query and manage instances")? "Use when you need to design and scale ..."
    is a persona, not a step."""
    return bool(_CLAUSE.search(text, max(0, start - 60), start))


def step_findings(
    sources: Iterable[Source],
    lexicons: Lexicons,
    scope: modality.Scope,
    live: re.Pattern[str],
    catalogue: Catalogue,
) -> Iterator[Evidence]:
    """Plain-language steps and confirmation gates (any language), with their modality."""
    for src in sources:
        # A list step is also a `text` source: as a step it decides nothing here.
        if src.kind not in ("text", "description"):
            continue
        ends: list[int] | None = None

        def mod(at: int, src: Source = src) -> str:
            nonlocal ends
            if src.modality != "instructed":
                return src.modality
            if ends is None:
                ends = modality.sentence_ends(src.text)
            return modality.at(src.text, at, scope, ends)

        if src.kind == "text":
            at = _gate(src.text, lexicons, live)
            if at is not None:
                what = "describes its own confirmation gate for state changes (so it makes them)"
                line = src.line + src.text.count("\n", 0, at)
                yield Evidence(
                    line, "deployment", DECIDES, what, "confirmation-gate", mod(at), "section"
                )
        for step in match_steps(src.text, lexicons):
            own = _OWN_WORDS.get(step.language)
            if own is not None and not own.search(src.text):
                continue
            if step.effect != "mutating":
                continue  # a bare verb is everywhere ("before deploying") and decides nothing
            live_target = step.target is not None and not is_local(step.target, catalogue)
            # English prose has the statement kinds; an English step decides in the description
            # (verb + live object), other languages anywhere with a live target.
            if step.language == "en":
                if src.kind != "description" or not _leads(src.text, step.start):
                    continue
            elif src.kind != "text" or not live_target:
                continue
            said = " ".join(x for x in (step.verb, step.object, step.target) if x)
            where = "description: " if src.kind == "description" else ""
            what = f"{where}a step that changes something ({step.language}: {said})"
            line = src.line + src.text.count("\n", 0, step.start)
            yield Evidence(
                line,
                "deployment",
                DECIDES,
                what,
                f"step:{step.language}:{step.verb}",
                mod(step.start),
                "statement",
            )
