"""safety-lint: lint Claude Code commands, agents and core documents for Rule #0."""

__version__ = "0.1.0"
