"""Targets a command sets for the commands after it.

`kubectl config use-context prod && kubectl apply -f x` deploys to production although the
apply names no target; so does a later Bash call of the same session, because the kube
context, the gcloud project, the terraform workspace and the az subscription live in files.
`export AWS_PROFILE=prod; aws s3 rm ...` only within the one command (Claude Code starts each
Bash call with a fresh environment).

What the guard saw a session set is kept in a small file per session in the user's cache
folder; while it names production, every Bash call of that session is analysed (the fast path
cannot know that `kubectl apply -f x` now goes to production).

Why Python data and not the catalogue: these are facts about where tools keep their state,
used only here; the catalogue's schema has no place for them yet (see the closing note)."""

from __future__ import annotations

import json
import os

from ..lazyre import lazy
from ..record import record
from .run import session_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..catalogue import Action, Catalogue

ENV = "environment"  # `export VAR=value`: this command only


@record
class Setter:
    family: str  # catalogue family id
    subcommand: str  # the action's subcommand starts with these words
    scope: str
    needs: str = ""  # an argument that must be present (`gcloud config set project X`)


SETTERS = (
    Setter("kubernetes", "config use-context", "kube-context"),
    Setter("kubernetes", "config set-context", "kube-context"),
    Setter("gcloud", "config set", "gcloud-project", needs="project"),
    Setter("gcloud", "config configurations activate", "gcloud-project"),
    Setter("terraform", "workspace select", "terraform-workspace"),
    Setter("terraform", "workspace new", "terraform-workspace"),
    Setter("azure", "account set", "azure-subscription"),
)
SETTER_TOOLS = {"kubectx": "kube-context"}
# Which families act on a scope's target when they name none themselves.
INHERIT = {
    "kube-context": frozenset({"kubernetes", "helm", "kustomize", "kube-deployers", "flux"}),
    "gcloud-project": frozenset({"gcloud", "gsutil", "bigquery"}),
    "terraform-workspace": frozenset({"terraform"}),
    "azure-subscription": frozenset({"azure"}),
}
_ASSIGNMENT = lazy(r"^([A-Za-z_][A-Za-z0-9_]*)=")


@record
class Effective:
    action: Action
    targets: tuple[str, ...]
    inherited: str  # where an inherited target was set ("" when the action names its own)


def setter_scope(action: Action, catalogue: Catalogue) -> str | None:
    if action.tool in SETTER_TOOLS:
        return SETTER_TOOLS[action.tool]
    for s in SETTERS:
        if (
            action.family == s.family
            and action.subcommand.startswith(s.subcommand)
            and (not s.needs or any(s.needs in a for a in action.args))
        ):
            return s.scope
    if action.tool == "export" and action.targets:
        names = [m.group(1) for a in action.args if (m := _ASSIGNMENT.match(a))]
        if any(catalogue.target_env.search(n) for n in names):
            return ENV
    return None


State = dict[str, tuple[tuple[str, ...], str]]  # scope -> (targets, where it was set)


def resolve(
    actions: Sequence[Action], catalogue: Catalogue, persisted: State
) -> tuple[list[Effective], State]:
    """Each action with the targets it acts on; the state the session keeps afterwards."""
    state: State = dict(persisted)
    out: list[Effective] = []
    for action in actions:
        scope = setter_scope(action, catalogue)
        if scope is not None:
            state[scope] = (action.targets, action.text)
            continue  # it changes a local setting; what uses it is judged below
        if action.targets:
            out.append(Effective(action, action.targets, ""))
            continue
        for name, (targets, where) in state.items():
            if targets and (name == ENV or action.family in INHERIT.get(name, ())):
                out.append(Effective(action, targets, where))
                break
        else:
            out.append(Effective(action, (), ""))
    kept = {k: v for k, v in state.items() if k != ENV}
    return out, kept


def load(session_id: str) -> State:
    path = session_file(session_id)
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return {str(k): (tuple(map(str, v[0])), str(v[1])) for k, v in data.items()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def save(session_id: str, state: State, is_production: Callable[[str], bool]) -> None:
    """Kept while some scope names production; removed otherwise."""
    path = session_file(session_id)
    if path is None:
        return
    live = {k: v for k, v in state.items() if any(is_production(t) for t in v[0])}
    try:
        if not live:
            if os.path.exists(path):
                os.remove(path)
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({k: [list(v[0]), v[1]] for k, v in live.items()}, handle)
        os.replace(tmp, path)
    except OSError:
        pass  # without the file, later calls are judged on what they show
