"""The kinds table of the rule pack (`rules/kinds.yaml`), compiled once: where each kind of
file is found, how it is named, its tools keys and the frontmatter keys Claude Code knows."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .record import record
from .rulepack import RulePack, default_pack


@record
class KindSpec:
    name: str
    checked_as: str  # the kind whose rules apply to it (a skill is checked as a command)
    folder_glob: str | None  # below a `.claude/` folder
    plugin_field: str | None  # plugin.json field naming custom paths
    plugin_default: str | None  # the plugin folder read when the field is absent
    plugin_in_folder: str  # glob below a folder path of a plugin
    name_from: tuple[str, ...]
    prefix: str
    plugin_form: str
    tools: tuple[str, ...]
    keys: tuple[str, ...]
    bundled_files: bool
    values: Mapping[str, tuple[str, ...]]


@record
class KindTable:
    documentation: str
    kinds: Mapping[str, KindSpec]
    not_linted_names: frozenset[str]  # lower case
    not_linted_folders: frozenset[str]
    marketplace_manifest: str
    plugin_manifest: str
    skip_folders: frozenset[str]

    def spec(self, kind: str) -> KindSpec | None:
        return self.kinds.get(kind)

    def checked_as(self, kind: str) -> str:
        spec = self.kinds.get(kind)
        return spec.checked_as if spec else kind

    def file_kinds(self) -> list[KindSpec]:
        """The kinds found in `.claude/` folders and plugins (not the core documents)."""
        return [k for k in self.kinds.values() if k.folder_glob or k.plugin_default]


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def compile_table(raw: Mapping[str, Any]) -> KindTable:
    kinds: dict[str, KindSpec] = {}
    for name, spec in (raw.get("table") or {}).items():
        found = spec.get("found") or {}
        folder = found.get("claude-folder") or {}
        plugin = found.get("plugin") or {}
        naming = spec.get("name") or {}
        kinds[str(name)] = KindSpec(
            name=str(name),
            checked_as=str(spec.get("checked-as", name)),
            folder_glob=folder.get("glob"),
            plugin_field=plugin.get("field"),
            plugin_default=plugin.get("default"),
            plugin_in_folder=str(plugin.get("in-folder", "**/*.md")),
            name_from=_strings(naming.get("from")) or ("stem",),
            prefix=str(naming.get("prefix", "")),
            plugin_form=str(naming.get("plugin-form", "{plugin}:{name}")),
            tools=_strings(spec.get("tools")),
            keys=_strings(spec.get("keys")),
            bundled_files=bool(spec.get("bundled-files", False)),
            values={str(k): _strings(v) for k, v in (spec.get("values") or {}).items()},
        )
    return KindTable(
        documentation=str(raw.get("documentation", "")),
        kinds=kinds,
        not_linted_names=frozenset(n.lower() for n in _strings(raw.get("not-linted-names"))),
        not_linted_folders=frozenset(_strings(raw.get("not-linted-folders"))),
        marketplace_manifest=str(
            raw.get("marketplace-manifest", ".claude-plugin/marketplace.json")
        ),
        plugin_manifest=str(raw.get("plugin-manifest", ".claude-plugin/plugin.json")),
        skip_folders=frozenset(_strings(raw.get("skip-folders"))),
    )


@lru_cache(maxsize=8)
def table(pack: RulePack | None = None) -> KindTable:
    """The kinds table of `pack` (default: the bundled rule pack)."""
    return compile_table((pack or default_pack()).kinds)
