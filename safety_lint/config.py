"""Project configuration: `.safety-lint.yaml` or `[tool.safety-lint]` in `pyproject.toml`.

Found by walking up from the root (the nearest wins); `--config` names one explicitly.
Unknown keys and bad values are errors that name the file, the line and a did-you-mean.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .fsutil import is_inside
from .model import CLASSES, SafetyClass, Severity, is_class, is_severity

DEFAULT_STATUS_PATH = "docs/standards/production-safety-implementation-status.md"
DEFAULT_MAX_FILE_SIZE = 1024 * 1024
MAX_FILE_SIZE_CAP = 1 << 30  # a larger limit would let one file take all the memory


class ConfigError(Exception):
    """Bad configuration: exit 2 with this message."""


@dataclass
class PhaseItem:
    """A rollout item: `files` (paths, agent names or /command names) decide its tick;
    an item without files is kept as the maintainer ticked it."""

    label: str
    files: list[str]


@dataclass
class Phase:
    title: str
    items: list[PhaseItem]


@dataclass
class StatusConfig:
    path: str = DEFAULT_STATUS_PATH
    phases: list[Phase] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)  # names or paths, highest first


@dataclass
class GuardConfig:
    """The `guard:` section: settings of `safety-lint guard` (the hook) for this project."""

    production_patterns: list[str] = field(default_factory=list)  # added to the rule pack's
    default_production_patterns: bool = True  # false: only the patterns listed here
    mcp_tools: list[str] = field(default_factory=list)
    audit_log: str | None = None
    non_interactive: bool = False


@dataclass
class Config:
    source: Path | None = None
    include: list[str] = field(default_factory=list)  # globs; empty: every command, agent, doc
    exclude: list[str] = field(default_factory=list)
    classes: list[tuple[str, SafetyClass]] = field(default_factory=list)  # (glob, class)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    core_documents: list[str] | None = None  # None: the rule pack's list
    severity: dict[str, Severity] = field(default_factory=dict)  # rule code or name -> severity
    require_reason: bool = False
    require_safety_class: bool = False  # every command and agent declares `safety-class`
    fail_on: Severity = "error"  # "warning": warnings fail the run too
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    rule_folders: list[Path] = field(default_factory=list)
    external_agents: list[str] = field(default_factory=list)  # agents outside the repository
    status: StatusConfig = field(default_factory=StatusConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)
    set_keys: set[str] = field(default_factory=set)  # keys the file set (the rest are defaults)
    frontmatter_keys: list[str] = field(default_factory=list)  # the team's own frontmatter keys
    notes: list[str] = field(default_factory=list)  # said once on stderr (which file is used)
    lines: dict[str, int] = field(default_factory=dict)  # "severity.PS101" -> line in the file


KEYS = (
    "include",
    "exclude",
    "classes",
    "select",
    "ignore",
    "severity",
    "require-reason",
    "require-safety-class",
    "fail-on",
    "core-documents",
    "max-file-size",
    "rules",
    "status",
    "external-agents",
    "frontmatter-keys",
    "guard",
)
STATUS_KEYS = ("path", "phases", "priorities")
GUARD_KEYS = (
    "production-patterns",
    "default-production-patterns",
    "mcp-tools",
    "audit-log",
    "non-interactive",
)


def _line_of_value(text: str, value: str) -> int:
    """The line where a value (a rule name in a list or map) is first written."""
    m = re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _line_of(text: str, key: str) -> int:
    m = re.search(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 1


class _Checker:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{_line_of(self.text, key)}: {message}")

    def keys(self, data: Any, allowed: tuple[str, ...], where: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{self.path}:1: {where} must be a mapping")
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.fail(str(key), f"unknown key '{key}' in {where}{hint}")

    def strings(self, data: dict[str, Any], key: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"'{key}' must be a list of strings")
        return list(value)


def parse_config(path: Path, data: Any, text: str, rules_bound: Path | None = None) -> Config:
    c = _Checker(path, text)
    c.keys(data, KEYS, "the configuration")
    config = Config(source=path, set_keys={str(k) for k in data})
    config.include = c.strings(data, "include")
    config.exclude = c.strings(data, "exclude")
    config.external_agents = c.strings(data, "external-agents")
    config.frontmatter_keys = c.strings(data, "frontmatter-keys")
    severity = data.get("severity", {})
    if not isinstance(severity, dict):
        raise c.fail("severity", "'severity' maps rule codes or names to error or warning")
    for key, value in severity.items():
        if not is_severity(value):
            raise c.fail("severity", "'severity' maps rule codes or names to error or warning")
        config.severity[str(key)] = value
    if not isinstance(data.get("require-reason", False), bool):
        raise c.fail("require-reason", "'require-reason' must be true or false")
    config.require_reason = data.get("require-reason", False)
    if not isinstance(data.get("require-safety-class", False), bool):
        raise c.fail("require-safety-class", "'require-safety-class' must be true or false")
    config.require_safety_class = data.get("require-safety-class", False)
    fail_on = data.get("fail-on", "error")
    if not is_severity(fail_on):
        raise c.fail("fail-on", "'fail-on' must be error or warning")
    config.fail_on = fail_on
    config.select = c.strings(data, "select")
    config.ignore = c.strings(data, "ignore")
    for key, names in (
        ("select", config.select),
        ("ignore", config.ignore),
        ("severity", config.severity),
    ):
        for name in names:
            config.lines[f"{key}.{name}"] = _line_of_value(text, name)
    if "core-documents" in data:
        config.core_documents = c.strings(data, "core-documents")
        for doc in config.core_documents:
            if PurePosixPath(doc).is_absolute() or ".." in PurePosixPath(doc).parts:
                raise c.fail(
                    "core-documents",
                    f"core document '{doc}' must be a path inside the repository"
                    " (relative, no '..')",
                )
    config.rule_folders = [(path.parent / p).resolve() for p in c.strings(data, "rules")]
    bound = os.path.realpath(rules_bound if rules_bound is not None else path.parent)
    for folder in config.rule_folders:
        if not is_inside(str(folder), bound):
            raise c.fail("rules", f"rule folder '{folder}' is outside the repository; not read")
        if not folder.is_dir():
            raise c.fail("rules", f"rule folder '{folder}' does not exist")
    classes = data.get("classes", {})
    if not isinstance(classes, dict):
        raise c.fail("classes", "'classes' must map path globs to a class")
    for glob, cls in classes.items():
        if not is_class(cls):
            close = difflib.get_close_matches(str(cls), CLASSES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise c.fail(
                str(glob),
                f"class of '{glob}' is '{cls}'; expected one of {', '.join(CLASSES)}{hint}",
            )
        config.classes.append((str(glob), cls))
    size = data.get("max-file-size", DEFAULT_MAX_FILE_SIZE)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_FILE_SIZE_CAP:
        raise c.fail(
            "max-file-size",
            f"'max-file-size' must be a positive number of bytes, at most {MAX_FILE_SIZE_CAP}",
        )
    config.max_file_size = size
    status = data.get("status", {})
    c.keys(status, STATUS_KEYS, "'status'")
    if "path" in status:
        if not isinstance(status["path"], str):
            raise c.fail("path", "'status.path' must be a string")
        rel = PurePosixPath(status["path"])
        if rel.is_absolute() or ".." in rel.parts:
            raise c.fail(
                "path", "'status.path' must be a path inside the repository (relative, no '..')"
            )
        config.status.path = status["path"]
    config.status.priorities = c.strings(status, "priorities")
    phases = status.get("phases", [])
    if not isinstance(phases, list):
        raise c.fail("phases", "'status.phases' must be a list")
    for phase in phases:
        if (
            not isinstance(phase, dict)
            or set(phase) - {"title", "items"}
            or not isinstance(phase.get("title"), str)
            or not isinstance(phase.get("items"), list)
        ):
            raise c.fail("phases", "each phase needs a 'title' and a list of 'items'")
        items = []
        for item in phase["items"]:
            if isinstance(item, str):
                items.append(PhaseItem(item, [item]))
            elif isinstance(item, dict) and set(item) <= {"label", "files"} and "label" in item:
                items.append(PhaseItem(str(item["label"]), c.strings(item, "files")))
            else:
                raise c.fail(
                    "items", "a phase item is a name or path, or {label: ..., files: [...]}"
                )
        config.status.phases.append(Phase(phase["title"], items))
    config.guard = _guard(c, data.get("guard", {}))
    return config


def _guard(c: _Checker, data: Any) -> GuardConfig:
    c.keys(data, GUARD_KEYS, "'guard'")
    guard = GuardConfig(mcp_tools=c.strings(data, "mcp-tools"))
    for pattern in c.strings(data, "production-patterns"):
        word = pattern.strip().lower()
        if not word.isascii() or not word.isalpha():  # targets are compared by name parts
            raise c.fail(
                "production-patterns",
                f"production pattern '{pattern}': a name part is letters only",
            )
        guard.production_patterns.append(word)
    for key in ("default-production-patterns", "non-interactive"):
        if not isinstance(data.get(key, key == "default-production-patterns"), bool):
            raise c.fail(key, f"'guard.{key}' must be true or false")
    guard.default_production_patterns = data.get("default-production-patterns", True)
    guard.non_interactive = data.get("non-interactive", False)
    log = data.get("audit-log")
    if log is not None and (not isinstance(log, str) or not log.strip()):
        raise c.fail("audit-log", "'guard.audit-log' must be a file name")
    guard.audit_log = log
    return guard


def _read(path: Path, bound: Path | None) -> str:
    """A configuration file's text: a regular file, at most CONFIG_LIMIT bytes; with `bound`
    (a file that was found, not named), not through a symlink that leads out of it."""
    from .fsutil import CONFIG_LIMIT, FileProblem, read_bytes

    try:
        return read_bytes(path, CONFIG_LIMIT, bound).decode("utf-8")
    except FileProblem as err:
        raise ConfigError(f"{path}: {err}") from None


def _load_yaml(path: Path, bound: Path | None, rules_bound: Path) -> Config:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from . import safeyaml

    text = _read(path, bound)
    try:
        data = safeyaml.load(YAML(typ="safe", pure=True), text)
    except safeyaml.YamlLimit as err:
        raise ConfigError(f"{path}:{(err.line or 0) + 1}: {err}") from None
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(f"{path}:{line}: invalid YAML: {getattr(err, 'problem', err)}") from None
    return parse_config(path, data or {}, text, rules_bound)


def _pyproject_section(path: Path, bound: Path | None) -> tuple[Any, str]:
    """`[tool.safety-lint]` of a pyproject.toml (None when absent) and the file's text."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib

    text = _read(path, bound)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None
    except (ValueError, RecursionError) as err:  # an integer of 5,000 digits, deep nesting
        raise ConfigError(f"{path}: TOML value cannot be read: {str(err)[:200]}") from None
    return data.get("tool", {}).get("safety-lint"), text


def _load_pyproject(path: Path, bound: Path | None, rules_bound: Path) -> Config | None:
    section, text = _pyproject_section(path, bound)
    if section is None:
        return None
    return parse_config(path, section, text, rules_bound)


def _search_folders(root: Path) -> list[Path]:
    """The root and its parents up to the top of its git work tree: a configuration outside
    the repository (the CI runner's home, /) is never read."""
    absolute = root.absolute()
    for top in (absolute, *absolute.parents):
        if (top / ".git").exists():
            above = [f for f in absolute.parents if f == top or top in f.parents]
            return [root, *above]  # the root as given: messages name it as the user did
    return [root]


def _found(folder: Path, bound: Path) -> list[Path]:
    """The configuration files of one folder, in the order they win (a symlink counts, so
    that one leading out of the repository is refused, not skipped)."""
    found = [
        folder / n for n in (".safety-lint.yaml", ".safety-lint.yml") if os.path.lexists(folder / n)
    ]
    pyproject = folder / "pyproject.toml"
    if os.path.lexists(pyproject) and _pyproject_section(pyproject, bound)[0] is not None:
        found.append(pyproject)
    return found


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The nearest configuration at or above the root (within its git work tree), or the
    defaults. Two in one folder: the first of .safety-lint.yaml, .safety-lint.yml,
    pyproject.toml wins, and a note says so. Rule folders must lie inside the work tree, or
    beside an explicit --config."""
    try:
        if explicit is not None:
            if not os.path.lexists(explicit):
                raise ConfigError(f"{explicit}: configuration file not found")
            rules_bound = Path(os.path.realpath(explicit)).parent
            if explicit.name == "pyproject.toml":
                found = _load_pyproject(explicit, None, rules_bound)
                return found or Config(source=explicit)
            return _load_yaml(explicit, None, rules_bound)
        folders = _search_folders(root)
        bound = folders[-1]
        for folder in folders:
            files = _found(folder, bound)
            if not files:
                continue
            used = files[0]
            config = (
                _load_pyproject(used, bound, bound)
                if used.name == "pyproject.toml"
                else _load_yaml(used, bound, bound)
            )
            assert config is not None  # _found listed it because it has the section
            for other in files[1:]:
                what = (
                    f"{other.name} [tool.safety-lint]"
                    if other.name == "pyproject.toml"
                    else other.name
                )
                config.notes.append(
                    f"{folder}: both {used.name} and {what}; using {used.name}, {what} is ignored"
                )
            return config
    except (OSError, UnicodeDecodeError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise ConfigError(f"cannot read configuration: {why}") from None
    return Config()


def effective(config: Config, core_documents: list[str], rule_folders: list[Path]) -> str:
    """The configuration in force, as YAML, each value marked with where it came from."""
    import json

    origin = str(config.source) if config.source else "no configuration file found"
    values: list[tuple[str, object]] = [
        ("include", config.include),
        ("exclude", config.exclude),
        ("classes", dict(config.classes)),
        ("select", config.select),
        ("ignore", config.ignore),
        ("severity", config.severity),
        ("require-reason", config.require_reason),
        ("require-safety-class", config.require_safety_class),
        ("fail-on", config.fail_on),
        ("core-documents", core_documents),
        ("external-agents", config.external_agents),
        ("frontmatter-keys", config.frontmatter_keys),
        ("max-file-size", config.max_file_size),
        ("rules", [str(p) for p in rule_folders]),
        (
            "status",
            {
                "path": config.status.path,
                "phases": [
                    {"title": p.title, "items": [i.label for i in p.items]}
                    for p in config.status.phases
                ],
                "priorities": config.status.priorities,
            },
        ),
        (
            "guard",
            {
                "production-patterns": config.guard.production_patterns,
                "default-production-patterns": config.guard.default_production_patterns,
                "mcp-tools": config.guard.mcp_tools,
                "audit-log": config.guard.audit_log,
                "non-interactive": config.guard.non_interactive,
            },
        ),
    ]
    lines = [f"# configuration: {origin}"]
    for key, value in values:
        where = config.source.name if config.source and key in config.set_keys else "default"
        if key == "rules":
            where = "bundled rule pack" + (" + configuration" if "rules" in config.set_keys else "")
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}  # {where}")
    return "\n".join(lines) + "\n"
