"""Target evidence: where a command acts (`--context acme-prd`, `-x env=prod`, `eb deploy
production`, `RAILS_ENV=production`, a database URL, `user@host:path`), and whether a target
names production or a local, throwaway environment. Light imports only."""

from __future__ import annotations

import re

from safety_lint.lazyre import lazy

TYPE_CHECKING = False  # not `typing`: the guard imports this before every Bash call
if TYPE_CHECKING:  # types only: catalogue imports this module
    from collections.abc import Sequence

    from safety_lint.catalogue import Catalogue, Family

# Every byte that is not a lowercase ASCII letter, as a space.
_LETTERS_ONLY = bytes(c if 97 <= c <= 122 else 32 for c in range(256))
_LOCAL_HOSTS = lazy(
    r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal)$"
)


def name_parts(value: str) -> list[str]:
    # `acme-prd`, `gke_x_us_prod`, `db.prod.internal`, `prod1`: runs of letters a-z are the
    # parts (any other character, non-ASCII ones included, separates them). String methods,
    # not a pattern: this is one pattern less to compile before every Bash call.
    lowered = value.lower().encode("ascii", "replace")
    return lowered.translate(_LETTERS_ONLY).decode("ascii").split()


def is_production(value: str, patterns: Sequence[str]) -> bool:
    """Does `value` name production? Matched as name parts: `acme-prd`, `prod-eu-1`,
    `postgres://db.prod.internal/x` yes; `product`, `produce` no. The names are the rule
    pack's (`catalogue.production`) or the guard's settings: policy, not code."""
    wanted = {p.lower() for p in patterns}
    return any(part in wanted for part in name_parts(value))


def is_local(value: str, catalogue: Catalogue) -> bool:
    """Does `value` name a local or throwaway target (localhost, dev, test, kind, minikube...:
    the pack's `local` names)? A value that also names production is not local."""
    lowered = value.lower().strip()
    host = re.sub(r"^[a-z+]+://([^@/]*@)?", "", lowered).split("/")[0].rsplit(":", 1)[0]
    if _LOCAL_HOSTS.match(host) or _LOCAL_HOSTS.match(lowered):
        return True
    if is_production(value, catalogue.production):
        return False
    return any(part in catalogue.local for part in name_parts(value))


_PLACEHOLDER = lazy(
    r"^(<|\{\{\s*|\$\{?|\[|%)\s*(env|environment|stage|target|cluster|context|namespace|"
    r"profile|project|host|server|region|tier|deploy_env|target_env)\s*(>|\s*\}\}|\}|\]|%)?$",
    re.IGNORECASE,
)
_URL = lazy(
    r"^(postgres(ql)?|mysql|mariadb|mongodb(\+srv)?|redis|rediss|amqps?|kafka|clickhouse|"
    r"sqlserver|mssql|jdbc:[a-z]+|ssh|rsync|https?)://",
    re.IGNORECASE,
)


def find_targets(
    args: Sequence[str],
    env: Sequence[tuple[str, str]],
    family: Family | None,
    catalogue: Catalogue,
) -> tuple[str, ...]:
    """Target evidence: values of target options, `key=value` words whose key names an
    environment, environment words and placeholders, database URLs, target env variables."""
    found: list[str] = []
    options = catalogue.target_options | (family.target_options if family else frozenset())
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if arg.startswith("-") and len(arg) > 1:
            if arg in catalogue.production_flags:
                found.append("production")
                continue
            if not eq:
                value = args[index + 1] if index + 1 < len(args) else ""
            if (name in options and value) or (
                name in catalogue.environment_options and is_environment(value, catalogue)
            ):
                found.append(value)
            elif "=" in value:  # -x env=prod, --set env=prod, -var 'stage=prd'
                key, _, inner = value.partition("=")
                if inner and catalogue.target_keys.search(key.lower()):
                    found.append(inner)
            elif (
                value
                and not value.startswith("-")
                and not any(ch.isspace() for ch in value)
                and is_production(value, catalogue.production)
            ):
                # `-f k8s/overlays/prod/`, `--values values-prd.yaml`: a file for production.
                found.append(value)
        elif eq and re.match(r"^[A-Za-z_][\w.-]*$", name):  # make ENV=prod, env=prod
            if value and catalogue.target_keys.search(name.lower()):
                found.append(value)
        elif (
            ("://" in arg and _URL.match(arg) and not arg.lower().startswith("http"))
            or is_environment(arg, catalogue)
            or (arg[:1] in ("<", "{", "$", "[", "%") and _PLACEHOLDER.match(arg))
        ):
            found.append(arg)
    for var, value in env:
        if value and catalogue.target_env.search(var):
            found.append(value)
    return tuple(dict.fromkeys(found))


_HOST_ARG = lazy(r"^(?:[\w.-]+@)?([A-Za-z0-9][\w-]*(?:\.[\w-]+)*):(?!//)")
_URL_HOST = lazy(r"^[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?([^/:\s?#]+)", re.IGNORECASE)


def hosts(args: Sequence[str]) -> list[str]:
    """Hosts named by `user@host:path` and `scheme://host/...` arguments."""
    found = []
    for arg in args:
        match = _URL_HOST.match(arg) or _HOST_ARG.match(arg)
        if match and len(match.group(1)) > 1:
            found.append(match.group(1))
    return found


def is_environment(word: str, catalogue: Catalogue) -> bool:
    lowered = word.lower()
    return lowered in catalogue.environments or (
        bool(lowered)
        and is_production(lowered, catalogue.production)
        and len(lowered) <= 40
        and not lowered.startswith(("-", ".", "/"))
        and not any(ch.isspace() for ch in lowered)
    )
