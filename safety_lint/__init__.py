"""safety-lint: lint Claude Code commands, agents and core documents for Rule #0."""

import os

__version__ = "0.1.0"


def bundled_rules_path() -> str | None:
    """The rule pack shipped in the wheel (`safety_lint/rules`), or the repository's `rules/`
    in a source checkout; None when neither is there. Here, not in rulepack.py: the runtime
    guard needs it before every Bash call and must not import the rule-pack loader."""
    here = os.path.dirname(os.path.realpath(__file__))
    for candidate in (os.path.join(here, "rules"), os.path.join(os.path.dirname(here), "rules")):
        if os.path.isdir(candidate):
            return candidate
    return None
