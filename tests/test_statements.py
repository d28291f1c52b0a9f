"""Statement rules judge meaning: for every statement rule, natural paraphrases pass and
statements that keep the key words but say the opposite fail, with the rule and the line.

Each case starts from a file that passes (the seed's templates, as `safety-lint new` writes
them), replaces the lines that state the requirement, and checks the file again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_repo

from safety_lint.fix import new_file
from safety_lint.model import FileResult
from safety_lint.rulepack import RulePack, default_pack

PACK = default_pack()
STATEMENT = {r.code for r in PACK.rules if r.check in ("statement", "protocol")}


def _base(name: str) -> tuple[str, str]:
    """(kind, text) of a passing file."""
    if name == "deploy":
        return "command", new_file("command", "dep", "deployment", PACK)
    if name == "batch":
        text = new_file("command", "bat", "batch", PACK)
        text = text.replace(
            "- `--dry-run`: show the batch impact, change nothing\n",
            "- `--dry-run`: show the batch impact, change nothing\n"
            "- `--complete`: update, deploy and test in one workflow\n",
        )
        return "command", text.replace(
            "- `--dry-run` never requires confirmation (read-only operation)\n",
            "- `--dry-run` never requires confirmation (read-only operation)\n"
            + PACK.templates["complete-line"],
        )
    if name == "batchplain":
        return "command", new_file("command", "bat", "batch", PACK)
    if name == "invoker":
        text = new_file("command", "dep", "deployment", PACK)
        return "command", text.replace(
            "1. TODO: the steps Claude follows.",
            "1. Invoke the `x-deployer` agent with the environment and `ProductionConfirmed`.",
        )
    if name in ("agent", "bagent"):
        text = new_file("agent", "dep", "deployment" if name == "agent" else "batch", PACK)
        return "agent", text.replace(
            "1. TODO: the steps this agent follows.", "1. Report what you did."
        )
    if name == "ro":
        return "agent", new_file("agent", "ro", "read-only", PACK)
    if name == "rocmd":
        return "command", (
            "---\ndescription: Update a loader's code\n"
            "argument-hint: <dataset> [--environment=test|prod]\nsafety-class: read-only\n---\n"
            "# Update Loader Code\n\nEdits the loader code of one dataset.\n\n"
            "**Code-only**: this command updates loader code and deploys nothing.\n"
        )
    raise AssertionError(name)


def _replace(text: str, anchor: str, lines: int, new: str) -> tuple[str, int]:
    """Replace `lines` lines from the one containing `anchor`; returns the text and that line."""
    rows = text.split("\n")
    at = next(i for i, row in enumerate(rows) if anchor in row)
    rows[at : at + lines] = new.split("\n")
    return "\n".join(rows), at + 1


def _lint(tmp_path: Path, kind: str, text: str) -> FileResult:
    folder = tmp_path / (".claude/commands" if kind == "command" else ".claude/agents")
    folder.mkdir(parents=True)
    path = folder / "case.md"
    path.write_text(text, encoding="utf-8")
    (result,) = run_repo(tmp_path, [path]).results
    return result


def _statement_findings(result: FileResult) -> list[tuple[str, int, str]]:
    return [(v.rule, v.line, v.message) for v in result.violations if v.rule in STATEMENT]


# rule: (base, anchor, number of lines replaced, [paraphrases], [opposites])
CASES: dict[str, tuple[str, str, int, list[str], list[str]]] = {
    "PS102": (
        "deploy",
        "- **Default**:",
        1,
        [
            "- Without `--environment`, the command runs against test, which needs no confirmation.",
            "- **Default**: test (`--environment=test`): safe, no questions asked",
            "- If you omit `--environment`, it targets TEST and never asks for confirmation",
            "- Test is the default environment and does not require confirmation.",
        ],
        [
            "- **Default**: `--environment=prod` (SAFE - no confirmation required)",
            "- **Default**: `--environment=test` (requires explicit confirmation every time)",
            "- The default is not test: without `--environment` the command targets production",
        ],
    ),
    "PS103": (
        "deploy",
        "- **Production**:",
        1,
        [
            "- `--environment=prod` is high-risk and always requires mandatory confirmation",
            "- Production (`--environment=prod`) is dangerous: explicit confirmation is mandatory.",
            "- **Prod**: HIGH RISK, confirmation required before anything runs",
        ],
        [
            "- `--environment=prod` is not high risk; confirmation is not mandatory",
            "- **Production**: `--environment=prod` (low risk - confirmation optional)",
            "- `--environment=prod` is HIGH RISK, but confirmation is optional",
        ],
    ),
    "PS104": (
        "deploy",
        "1. **STOP immediately**",
        1,
        [
            "1. **STOP immediately**, before any rotation.",
            "1. Halt right away, before doing anything else",
            "1. Pause at once, before any change is made",
            "1. First, stop: nothing runs before the user confirms",
        ],
        [
            "1. **Do not stop**: start the operation immediately, before any confirmation",
            "1. Never stop immediately before an operation; let it run",
            "1. Stop after the operation, not before it",
        ],
    ),
    "PS105": (
        "deploy",
        "2. **Display production warning**",
        1,
        [
            "2. Warn the user clearly and show what the operation will change",
            "2. **Show a production alert** with an assessment of the impact",
            "2. Print a clear production warning that lists the affected resources",
        ],
        [
            "2. Do not display a production warning; skip the impact assessment",
            "2. Proceed without any warning or impact assessment",
        ],
    ),
    "PS107": (
        "deploy",
        "4. **Only proceed",
        1,
        [
            "4. Claude proceeds only if the user explicitly confirms all checks.",
            "4. Continue only when all three answers are yes",
            "4. Do not continue unless the user explicitly confirms every check",
            "4. Wait for explicit confirmation of all three checks before proceeding",
        ],
        [
            "4. Proceed even if the user does not confirm all three checks",
            "4. Only proceed if the user confirms at least one of the checks",
            "4. If the user does not answer all three questions, proceed anyway",
        ],
    ),
    "PS108": (
        "deploy",
        "5. **Cancel operation**",
        1,
        [
            "5. If any answer is not yes, abort the operation",
            "5. Stop and cancel everything when a check fails",
            "5. If the user says no to any question, do not continue",
        ],
        [
            "5. **Do not cancel** the operation if any confirmation fails; log it and continue",
            "5. If a confirmation fails, continue anyway",
        ],
    ),
    "PS109": (
        "deploy",
        "**NO EXCEPTIONS**",
        1,
        [
            "**NO EXCEPTIONS**: production secrets are never rotated without confirmation.",
            "There are no exceptions: nothing touches production without the user's explicit"
            " confirmation.",
            "Without exception, every production operation requires explicit user confirmation.",
            "This holds even for hotfixes: production is never changed unless the user confirms.",
        ],
        [
            "**Exception**: hotfixes approved by the on-call lead may skip the confirmation.",
            "Exceptions are allowed: urgent fixes may go to production without confirmation.",
        ],
    ),
    "PS110": (
        "invoker",
        "1. Invoke the `x-deployer` agent",
        1,
        [
            "1. Invoke the `x-deployer` agent with `environment=<value>` and"
            " `ProductionConfirmed=<true|false>`.",
            "1. Invoke the `x-deployer` agent, passing:\n   - the target environment, unchanged\n"
            "   - `ProductionConfirmed: true` only if the user confirmed",
            "1. Invoke the `x-deployer` agent; hand it the environment and the ProductionConfirmed"
            " flag.",
        ],
        [
            "1. Invoke the `x-deployer` agent with the dataset name only; do not pass the"
            " environment or the `ProductionConfirmed` flag.",
            "1. Invoke the `x-deployer` agent without the `ProductionConfirmed` flag; it uses the"
            " environment you pass.",
        ],
    ),
    "PS122": (
        "batch",
        "3. **Calculate and display the batch impact**",
        1,
        [
            "3. Work out the batch impact (which datasets, how many) and show it before asking",
            "3. List every dataset the batch will touch, with the total count, before the"
            " questions",
            "3. Show the user how many targets are affected and which ones",
        ],
        [
            "3. Do not calculate or display the batch impact; ask the questions straight away",
            "3. Show the batch impact only after the user has confirmed",
        ],
    ),
    "PS123": (
        "batch",
        "7. **Confirm ONCE**",
        1,
        [
            "7. Ask for confirmation a single time, up front, for the whole batch; never ask again"
            " per dataset. If any answer fails, cancel the entire batch.",
            "7. The user confirms one time, before the batch starts, not for each item; one failed"
            " answer aborts the whole run",
            "7. **Confirm once** at the start of the batch (never per dataset); a failed check"
            " cancels every dataset",
        ],
        [
            "7. Ask the 4-question protocol for each dataset before deploying it; skip a dataset"
            " whose confirmation fails",
            "7. Confirm once per dataset, before each deployment; cancel the whole batch if any"
            " answer fails",
            "7. Confirm once per dataset and, if an answer fails, skip that dataset",
        ],
    ),
    "PS124": (
        "batch",
        "- **STRONGLY RECOMMENDED**",
        1,
        [
            "- Always run `--dry-run` first against production",
            "- We strongly suggest a dry run (`--dry-run`) before any production batch",
            "- Best practice: start with `--dry-run` for production",
        ],
        [
            "- `--dry-run` is optional for production and not recommended",
            "- There is no need to run `--dry-run` first; skip it for production",
        ],
    ),
    "PS130": (
        "batch",
        "- `--dry-run` never requires confirmation",
        1,
        [
            "- A dry run (`--dry-run`) is read-only and runs without asking for confirmation",
            "- No confirmation is needed for `--dry-run`",
            "- With `--dry-run`, Claude skips the questions: nothing changes",
        ],
        [
            "- `--dry-run` also requires the full confirmation",
            "- `--dry-run` asks for confirmation like a real run",
        ],
    ),
    "PS131": (
        "batch",
        "- With `--complete`",
        1,
        [
            "- `--complete` asks for confirmation a single time, up front, and keeps the same"
            " environment for every step",
            "- In a `--complete` run the user confirms once at the start, and the environment stays"
            " the same throughout",
            "- With `--complete`: one confirmation at the beginning; the environment never changes"
            " between steps",
        ],
        [
            "- With `--complete`, each step (update, deploy, test) asks for confirmation again",
            "- With `--complete`, confirmation is asked once, but each step may switch to another"
            " environment",
        ],
    ),
    "PS132": (
        "rocmd",
        "**Code-only**",
        1,
        [
            "This command only edits the loader code; it never deploys anything.",
            "Nothing is deployed: `--environment` only picks the configuration that is read.",
            "**Note**: code-only. It does not deploy, release or apply anything.",
        ],
        [
            "This command updates the loader code and then deploys it to the selected environment.",
            "It is not code-only: it also deploys the stack.",
        ],
    ),
    "PS203": (
        "agent",
        "**ABSOLUTE RULE**",
        1,
        [
            "**ABSOLUTE RULE**: You must never deploy anything to production unless the user has"
            " explicitly confirmed it.",
            "Production is only ever changed after the user's explicit confirmation.",
            "Never touch production without an explicit yes from the user.",
        ],
        [
            "**ABSOLUTE RULE**: You may deploy to production without explicit user confirmation.",
            "**ABSOLUTE RULE**: Never ask for confirmation before deploying to production.",
            "**ABSOLUTE RULE**: Be careful when deploying to production.",
        ],
    ),
    "PS204": (
        "agent",
        "At the START of EVERY execution",
        3,
        [
            "Before anything else, on every run, you MUST:\n\n1. **Look at the target"
            " environment**: `prod` or `production` means production.",
            "You MUST:\n\n1. Determine which environment you target (prod or production) as the"
            " very first step of every execution.",
            "At the beginning of each invocation, you MUST:\n\n1. Verify the target environment.",
        ],
        [
            "You MUST:\n\n1. Do not check the target environment at the start; check it only"
            " before the deploy step.",
            "At the START of EVERY execution, you MUST:\n\n1. Assume the environment is test;"
            " never check it.",
        ],
    ),
    "PS205": (
        "agent",
        "2. **If production detected AND ProductionConfirmed flag is FALSE**",
        9,
        [
            "2. When the target is production and ProductionConfirmed is false or missing, stop"
            " everything, show the production warning and the three questions, wait for the"
            " answers, and exit if any check fails:\n"
            "   - Have you validated this in TEST? (y/n)\n"
            "   - Do you understand this affects PRODUCTION? (y/n)\n"
            "   - Type 'PRODUCTION' to confirm",
            "2. **ProductionConfirmed not set?** Then:\n   - Halt all work at once\n"
            "   - Warn the user and ask the 3 questions:\n"
            "     - Have you validated this in TEST? (y/n)\n"
            "     - Do you understand this affects PRODUCTION? (y/n)\n"
            "     - Type 'PRODUCTION' to confirm\n"
            "   - Await the user's answers\n   - Abort if any answer is not yes",
            "2. If you were invoked directly (no ProductionConfirmed flag):\n"
            "   - stop immediately\n"
            "   - display the production warning with the standard 3-question protocol:\n"
            "     - Have you validated this in TEST? (y/n)\n"
            "     - Do you understand this affects PRODUCTION? (y/n)\n"
            "     - Type 'PRODUCTION' to confirm\n"
            "   - do not continue until the user replies\n"
            "   - exit on the first failed confirmation",
        ],
        [
            "2. **If production detected AND ProductionConfirmed flag is FALSE**:\n"
            "   - **STOP all operations immediately**\n"
            "   - **Display production warning** (use the 3-question protocol):\n"
            "     - Have you validated this in TEST? (y/n)\n"
            "     - Do you understand this affects PRODUCTION? (y/n)\n"
            "     - Type 'PRODUCTION' to confirm\n"
            "   - Continue with the deployment once the questions have been shown",
            "2. **If production detected AND ProductionConfirmed flag is FALSE**: do not stop;"
            " show the warning, ask the three questions and continue even if a check fails:\n"
            "   - Have you validated this in TEST? (y/n)\n"
            "   - Do you understand this affects PRODUCTION? (y/n)\n"
            "   - Type 'PRODUCTION' to confirm",
        ],
    ),
    "PS206": (
        "agent",
        "3. **If ProductionConfirmed flag is TRUE**",
        4,
        [
            "3. If ProductionConfirmed is true, the user already confirmed: proceed, but still"
            " label the production environment clearly in every message.",
            "3. **ProductionConfirmed = true**:\n   - You may proceed with production operations\n"
            "   - Log `ENVIRONMENT: PRODUCTION` at the top of all output",
            "3. When the invoking command has already confirmed (flag true), go ahead and state"
            " clearly that you are working in production.",
        ],
        [
            "3. If ProductionConfirmed is true, proceed silently; do not mention the production"
            " environment in the output.",
            "3. **If ProductionConfirmed flag is TRUE**: proceed without logging the environment.",
        ],
    ),
    "PS207": (
        "agent",
        "**DEFENSE-IN-DEPTH**",
        1,
        [
            "Even when the calling command already passed `--environment=prod`, check the"
            " ProductionConfirmed flag yourself or ask again.",
            "Do not trust the invoking command: verify the flag or request confirmation yourself"
            " (defense in depth).",
            "**Defense in depth**: whatever the command did, confirm it yourself before"
            " production.",
        ],
        [
            "**DEFENSE-IN-DEPTH is not needed**: if the command passed `--environment=prod`, do"
            " not verify the ProductionConfirmed flag.",
            "Trust the invoking command: if it passed `--environment=prod`, proceed without a"
            " second prompt.",
        ],
    ),
    "PS208": (
        "bagent",
        "- **NEVER auto-deploy to production**",
        1,
        [
            "   - Never deploy to production on your own initiative; print the exact commands for"
            " the user to run instead",
            "   - Do not promote anything to production automatically: the user runs the deploy"
            " commands you give them",
            "   - You never move on to production yourself; ask through the batch protocol or hand"
            " the user the commands",
        ],
        [
            "   - When every dataset passes in test, promote the batch to production automatically",
            "   - Auto-deploy to production as soon as the tests pass",
        ],
    ),
    "PS209": (
        "bagent",
        "When you delegate to other agents",
        1,
        [
            "When you delegate to other agents, hand the same environment to every sub-agent.",
            "When you delegate to other agents, forward `--environment` exactly as you received"
            " it; never switch it.",
            "When you delegate to other agents, they get the environment you were given,"
            " unchanged.",
        ],
        [
            "When you delegate to other agents, let each sub-agent choose its own environment.",
            "When you delegate to other agents, switch the environment to test for them.",
        ],
    ),
    "PS221": (
        "ro",
        "**IMPORTANT**",
        1,
        [
            "You do not need production confirmation, because you only read logs and metrics.",
            "No production confirmation is required: this agent only writes documentation.",
            "As a read-only agent, it never asks for production confirmation.",
        ],
        [
            "**IMPORTANT**: This read-only agent still requires production confirmation.",
            "Production confirmation is required even for tests.",
        ],
    ),
    "PS222": (
        "ro",
        "- No infrastructure changes",
        2,
        [
            "- It never touches infrastructure and never writes data",
            "- Infrastructure and data are left untouched",
            "- Makes no changes to infrastructure\n- Does not modify, write or delete any data",
        ],
        [
            "- It may change infrastructure in test\n- No data modifications",
            "- No infrastructure changes, and it may delete old test data",
        ],
    ),
    "PS223": (
        "ro",
        "However, you MUST still respect",
        1,
        [
            "Still honour the `--environment` parameter when it is given, and say which"
            " environment you are operating in.",
            "- Respect the environment parameter\n- State the environment you work against in"
            " every report",
            "You must follow the requested environment and clearly label the environment in all"
            " output.",
        ],
        [
            "Ignore the environment parameter; queries always run against the default warehouse.",
            "Do not respect the environment parameter, and never say which environment you use.",
        ],
    ),
}

PARAPHRASES = [(code, i) for code, case in CASES.items() for i in range(len(case[3]))]
OPPOSITES = [(code, i) for code, case in CASES.items() for i in range(len(case[4]))]


@pytest.mark.parametrize(("code", "index"), PARAPHRASES)
def test_paraphrase_passes(code: str, index: int, tmp_path: Path) -> None:
    base, anchor, lines, paraphrases, _ = CASES[code]
    kind, text = _base(base)
    text, _ = _replace(text, anchor, lines, paraphrases[index])
    assert _statement_findings(_lint(tmp_path, kind, text)) == []


@pytest.mark.parametrize(("code", "index"), OPPOSITES)
def test_opposite_fails_with_the_rule_and_line(code: str, index: int, tmp_path: Path) -> None:
    base, anchor, lines, _, opposites = CASES[code]
    kind, text = _base(base)
    text, line = _replace(text, anchor, lines, opposites[index])
    found = [(rule, at) for rule, at, _ in _statement_findings(_lint(tmp_path, kind, text))]
    # The finding points at a line of the statement that says the opposite.
    replaced = range(line, line + opposites[index].count("\n") + 1)
    assert code in [rule for rule, at in found if at in replaced], found


def test_every_statement_rule_has_three_paraphrases_and_two_opposites(pack: RulePack) -> None:
    statement_rules = {
        r.code for r in pack.rules if r.check == "statement" and r.parts and r.parts[0].concepts
    }
    assert statement_rules == set(CASES)
    for code, (_, _, _, paraphrases, opposites) in CASES.items():
        assert len(paraphrases) >= 3 and len(opposites) >= 2, code


@pytest.mark.parametrize("base", ["deploy", "batch", "invoker", "agent", "bagent", "ro", "rocmd"])
def test_the_seed_templates_pass(base: str, tmp_path: Path) -> None:
    kind, text = _base(base)
    assert _statement_findings(_lint(tmp_path, kind, text)) == []


# The words of a requirement spread over unrelated sentences or items do not state it.
SCOPE = [
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. **Stop** if the user asks you to\n1. Show the plan immediately, before any operation",
    ),
    (
        "PS103",
        "deploy",
        "- **Production**:",
        "- `--environment=prod`: deploys to the live account\n"
        "- High-risk operations elsewhere need mandatory confirmation",
    ),
    (
        "PS108",
        "deploy",
        "5. **Cancel operation**",
        "5. **Cancel** the run when the user asks\n6. Log it if any confirmation fails",
    ),
    (
        "PS123",
        "batchplain",
        "7. **Confirm ONCE**",
        "7. Ask a single time\n8. Datasets are loaded at once, never per item, in one run",
    ),
    (
        "PS109",
        "deploy",
        "**NO EXCEPTIONS**",
        "There are no exceptions to the naming rules.\n\n"
        "Production changes are reviewed. Confirmation is recorded in the log.",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "**ABSOLUTE RULE**: Never deploy on Fridays.\n\n"
        "Production work is logged. Explicit user confirmation is kept in the audit trail.",
    ),
]


@pytest.mark.parametrize(("code", "base", "anchor", "new"), SCOPE)
def test_words_spread_over_unrelated_items_do_not_pass(
    code: str, base: str, anchor: str, new: str, tmp_path: Path
) -> None:
    kind, text = _base(base)
    text, _ = _replace(text, anchor, 1, new)
    found = _statement_findings(_lint(tmp_path, kind, text))
    assert code in [rule for rule, _, _ in found], found


# The policy's own sentences are negative; deciding polarity per concept lets them pass.
NEGATIVE = [
    (
        "PS109",
        "deploy",
        "**NO EXCEPTIONS**",
        "**NO EXCEPTIONS**: NEVER proceed without confirmation.",
    ),
    (
        "PS123",
        "batch",
        "7. **Confirm ONCE**",
        "7. Confirm ONCE, before the batch starts, never per"
        " dataset; never ask again per dataset; cancel the ENTIRE batch if any answer fails",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "You must never deploy anything to production unless the user has explicitly confirmed it.",
    ),
    ("PS130", "batch", "- `--dry-run` never requires", "- `--dry-run` does not need confirmation"),
    (
        "PS222",
        "ro",
        "- No infrastructure changes",
        "- No infrastructure changes\n- No data modifications",
    ),
    (
        "PS221",
        "ro",
        "**IMPORTANT**",
        "You do not need production confirmation, because you only read logs and metrics.",
    ),
    ("PS208", "bagent", "- **NEVER auto-deploy", "   - NEVER auto-deploy to production"),
    ("PS132", "rocmd", "**Code-only**", "It never deploys anything."),
]


@pytest.mark.parametrize(("code", "base", "anchor", "new"), NEGATIVE)
def test_the_policys_negative_sentences_pass(
    code: str, base: str, anchor: str, new: str, tmp_path: Path
) -> None:
    kind, text = _base(base)
    text, _ = _replace(text, anchor, 1 + new.count("\n"), new)
    assert _statement_findings(_lint(tmp_path, kind, text)) == []


def test_a_contradiction_is_reported_as_such(tmp_path: Path) -> None:
    kind, text = _base("deploy")
    text, line = _replace(
        text,
        "5. **Cancel operation**",
        1,
        "5. **Do not cancel** the operation if any confirmation fails; log it and continue",
    )
    (finding,) = [f for f in _statement_findings(_lint(tmp_path, kind, text)) if f[0] == "PS108"]
    assert finding[1] == line
    assert f"line {line} says the opposite of" in finding[2]
    assert "'Do not cancel the operation if any confirmation fails" in finding[2].replace('"', "'")


def test_a_missing_statement_points_at_the_closest_line_and_names_the_concept(
    tmp_path: Path,
) -> None:
    kind, text = _base("deploy")
    text, line = _replace(text, "1. **STOP immediately**", 1, "1. **Stop** before deploying")
    (finding,) = [f for f in _statement_findings(_lint(tmp_path, kind, text)) if f[0] == "PS104"]
    assert finding[1] == line  # the statement, not the section heading
    assert "closest is line" in finding[2] and "'immediately'" in finding[2]


def _todo_sentence(todo: str) -> str:
    return re.sub(r"^(State that |State |Note that |Document )", "", todo)


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_todo_text_asks_for_a_sentence_the_check_accepts(code: str, tmp_path: Path) -> None:
    rule = PACK.find(code)
    assert rule is not None
    base, anchor, lines, _, _ = CASES[code]
    kind, text = _base(base)
    indent = re.match(r"\s*(?:[-*]|\d+\.)?\s*", text.split("\n")[0])
    del indent
    text, _ = _replace(text, anchor, lines, "- " + _todo_sentence(rule.todo))
    found = [f for f in _statement_findings(_lint(tmp_path, kind, text)) if f[0] == code]
    assert found == [], (rule.todo, found)


def test_a_mistyped_question_names_the_question_and_its_line(tmp_path: Path) -> None:
    kind, text = _base("deploy")
    text, line = _replace(text, "Type 'PRODUCTION' to confirm", 1, "   - Type 'PROD' to confirm")
    (finding,) = [f for f in _statement_findings(_lint(tmp_path, kind, text)) if f[0] == "PS106"]
    assert finding[1] == line
    assert "3. \"Type 'PRODUCTION' to confirm\"" in finding[2]
    assert f"line {line} has \"Type 'PROD' to confirm\"" in finding[2]


def test_the_issue_examples(tmp_path: Path) -> None:
    """The sentences of the issue: correct ones in a team's own words pass, opposites fail."""
    good = [
        (
            "PS104",
            "deploy",
            "1. **STOP immediately**",
            "1. **STOP immediately**, before any rotation.",
        ),
        (
            "PS107",
            "deploy",
            "4. **Only proceed",
            "4. Claude proceeds only if the user explicitly confirms all checks.",
        ),
        (
            "PS109",
            "deploy",
            "**NO EXCEPTIONS**",
            "**NO EXCEPTIONS**: production secrets are never rotated without confirmation.",
        ),
        (
            "PS203",
            "agent",
            "**ABSOLUTE RULE**",
            "You must never deploy anything to production unless the user has explicitly"
            " confirmed it",
        ),
        ("PS204", "agent", "1. **Check target environment**", "1. Look at the target environment"),
        (
            "PS206",
            "agent",
            "   - Still log production environment",
            "   - Still label the production environment clearly",
        ),
        (
            "PS221",
            "ro",
            "**IMPORTANT**",
            "You do not need production confirmation, because you only read logs and metrics",
        ),
        (
            "PS123",
            "batch",
            "7. **Confirm ONCE**",
            "7. Confirm once before the batch starts and never ask again per dataset; cancel"
            " the ENTIRE batch if any answer fails",
        ),
    ]
    for n, (code, base, anchor, new) in enumerate(good):
        kind, text = _base(base)
        text, _ = _replace(text, anchor, 1, new)
        assert _statement_findings(_lint(tmp_path / str(n), kind, text)) == [], code
    bad = [
        (
            "PS108",
            "deploy",
            "5. **Cancel operation**",
            "5. **Do not cancel** the operation if any confirmation fails; log it and continue",
        ),
        (
            "PS207",
            "agent",
            "**DEFENSE-IN-DEPTH**",
            "**DEFENSE-IN-DEPTH is not needed**: the command asked; do not verify the"
            " ProductionConfirmed flag",
        ),
        ("PS102", "deploy", "- **Default**:", "- Default: `--environment=prod`"),
        (
            "PS103",
            "deploy",
            "- **Production**:",
            "- `--environment=prod` is not high risk; confirmation is not mandatory",
        ),
    ]
    for n, (code, base, anchor, new) in enumerate(bad):
        kind, text = _base(base)
        text, line = _replace(text, anchor, 1, new)
        found = _statement_findings(_lint(tmp_path / f"bad{n}", kind, text))
        assert (code, line) in [(rule, at) for rule, at, _ in found], (code, found)


def test_a_team_pack_adds_phrasings(tmp_path: Path) -> None:
    """The README's example: a team's own words for a concept, merged with the bundled pack."""
    from conftest import PROJECT

    from safety_lint.concepts import judge, lexicon
    from safety_lint.rulepack import bundled_rules_dir, load_pack
    from safety_lint.units import Unit

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n# policy/extra-rules/phrasings.yaml\n(.*?)```", readme, re.S)
    assert block
    (tmp_path / "phrasings.yaml").write_text(block.group(1), encoding="utf-8")
    team = load_pack([bundled_rules_dir(), tmp_path])
    sentence = Unit(1, "Hold the line immediately, before any operation", ())
    refs = ("stop", "immediately", "before-any-operation")
    assert not judge(lexicon(PACK), refs, sentence).met
    assert judge(lexicon(team), refs, sentence).met
    assert "ship it anyway" in team.concepts["proceed-gate"]["opposites"]


def test_an_unknown_concept_is_a_rule_pack_error(tmp_path: Path) -> None:
    from safety_lint.rulepack import RulePackError, bundled_rules_dir, load_pack

    (tmp_path / "team.yaml").write_text(
        "rules:\n  - code: TM001\n    name: rollback-plan\n    severity: error\n"
        "    check: statement\n    applies: [{kind: command, section: production-safety}]\n"
        "    options: {requires: [{means: roll back, concepts: [rollbak]}]}\n"
        "    doc: {what: w, why: w, fix: f, example: e, failing: f}\n",
        encoding="utf-8",
    )
    with pytest.raises(RulePackError, match="unknown concept 'rollbak'"):
        load_pack([bundled_rules_dir(), tmp_path])


# More phrasings, as other teams write them (one line replaced in a passing file).
MORE_PARAPHRASES = [
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. **STOP immediately**: no operation runs before the user confirms.",
    ),
    (
        "PS107",
        "deploy",
        "4. **Only proceed",
        "4. Only continue after the user has explicitly confirmed each of the three checks",
    ),
    (
        "PS108",
        "deploy",
        "5. **Cancel operation**",
        "5. Should any check fail, cancel the operation",
    ),
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- **Default**: `--environment=test` — safe, no confirmation needed",
    ),
    (
        "PS205",
        "agent",
        "   - **STOP all operations immediately**",
        "   - **Stop everything at once**",
    ),
    (
        "PS206",
        "agent",
        "   - Still log production environment",
        "   - Keep printing `ENV=production` in every log line",
    ),
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- Runs against `--environment=test` unless told otherwise; test runs never prompt for confirmation",
    ),
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- `--environment` defaults to `test`; no confirmation is needed for test",
    ),
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- By default the target is TEST (safe, runs without confirmation)",
    ),
    (
        "PS103",
        "deploy",
        "- **Production**:",
        "- `--environment=prod`: HIGH RISK. Confirmation is mandatory.",
    ),
    (
        "PS103",
        "deploy",
        "- **Production**:",
        "- Production runs are risky and always need explicit, mandatory confirmation",
    ),
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. Stop right there and do not run anything yet",
    ),
    ("PS104", "deploy", "1. **STOP immediately**", "1. Immediately halt before touching anything"),
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. Stop at once and perform no operation until confirmed",
    ),
    (
        "PS105",
        "deploy",
        "2. **Display production warning**",
        "2. Present a warning that production will change, with the expected impact",
    ),
    (
        "PS105",
        "deploy",
        "2. **Display production warning**",
        "2. Tell the user, with a clear WARNING banner, what will be affected",
    ),
    (
        "PS107",
        "deploy",
        "4. **Only proceed",
        "4. Go ahead only once the user has answered yes to every question",
    ),
    (
        "PS107",
        "deploy",
        "4. **Only proceed",
        "4. All three checks must be confirmed explicitly before Claude continues",
    ),
    (
        "PS107",
        "deploy",
        "4. **Only proceed",
        "4. Proceed if and only if the user explicitly confirms all three",
    ),
    ("PS108", "deploy", "5. **Cancel operation**", "5. Any failed check aborts the operation"),
    ("PS108", "deploy", "5. **Cancel operation**", "5. A single 'n' answer ends the operation"),
    (
        "PS109",
        "deploy",
        "**NO EXCEPTIONS**",
        "**No exceptions.** Production is never touched without explicit confirmation.",
    ),
    (
        "PS109",
        "deploy",
        "**NO EXCEPTIONS**",
        "Production operations always require confirmation, no exceptions, not even for hotfixes.",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "Under no circumstances deploy to production without the user's explicit confirmation.",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "Explicit user confirmation is required before any production deployment.",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "You may only touch production once the user has explicitly confirmed.",
    ),
    (
        "PS221",
        "ro",
        "**IMPORTANT**",
        "This agent never needs production confirmation: it only inspects and reports.",
    ),
    (
        "PS222",
        "ro",
        "- No infrastructure changes",
        "- Read-only: it changes neither infrastructure nor data",
    ),
    (
        "PS223",
        "ro",
        "However, you MUST still respect",
        "Work only in the environment you were given and name the environment in every report.",
    ),
    (
        "PS207",
        "agent",
        "**DEFENSE-IN-DEPTH**",
        "Never rely on the calling command alone: re-check ProductionConfirmed, or ask the user again.",
    ),
    (
        "PS209",
        "bagent",
        "When you delegate to other agents",
        "When you delegate to other agents, they must receive exactly the environment you were invoked with.",
    ),
    (
        "PS130",
        "batch",
        "- `--dry-run` never requires",
        "- `--dry-run` is read-only, so it never asks for confirmation",
    ),
    ("PS130", "batch", "- `--dry-run` never requires", "- Dry runs need no confirmation"),
    (
        "PS124",
        "batch",
        "- **STRONGLY RECOMMENDED**",
        "- For production, running `--dry-run` first is strongly recommended",
    ),
    (
        "PS124",
        "batch",
        "- **STRONGLY RECOMMENDED**",
        "- Do a `--dry-run` before any production batch (strongly advised)",
    ),
    (
        "PS122",
        "batch",
        "3. **Calculate and display the batch impact**",
        "3. Before asking, display the batch impact: the list of datasets and their number",
    ),
    (
        "PS122",
        "batch",
        "3. **Calculate and display the batch impact**",
        "3. Count the datasets in the batch and show the user the total and the names",
    ),
    (
        "PS123",
        "batch",
        "7. **Confirm ONCE**",
        "7. One confirmation covers the whole batch, no per-dataset prompts. Any 'no' cancels the complete batch.",
    ),
    (
        "PS131",
        "batch",
        "- With `--complete`",
        "- `--complete` confirms once, at the start of the workflow, and uses one environment throughout",
    ),
    ("PS132", "rocmd", "**Code-only**", "This command writes code locally and does not deploy."),
    (
        "PS132",
        "rocmd",
        "**Code-only**",
        "Deploys nothing; it only changes files in the working tree.",
    ),
]
MORE_OPPOSITES = [
    (
        "PS105",
        "deploy",
        "2. **Display production warning**",
        "2. **Display production warning** only if the user asks; no impact assessment",
    ),
    (
        "PS110",
        "invoker",
        "1. Invoke the `x-deployer` agent",
        "1. Invoke the `x-deployer` agent with the environment but not `ProductionConfirmed`.",
    ),
    (
        "PS122",
        "batch",
        "3. **Calculate and display the batch impact**",
        "3. **Calculate and display the batch impact** after the user has confirmed",
    ),
    (
        "PS122",
        "batch",
        "3. **Calculate and display the batch impact**",
        "3. Skip the batch impact; it is shown after deployment",
    ),
    (
        "PS124",
        "batch",
        "- **STRONGLY RECOMMENDED**",
        "- **NOT RECOMMENDED**: run with `--dry-run` first for production",
    ),
    (
        "PS130",
        "batch",
        "- `--dry-run` never requires",
        "- `--dry-run` always requires confirmation (read-only operation)",
    ),
    (
        "PS131",
        "batch",
        "- With `--complete`",
        "- With `--complete`, confirmation is requested at every step and the environment may change",
    ),
    ("PS132", "rocmd", "**Code-only**", "**Code-only**: no. This command deploys the loader."),
    (
        "PS204",
        "agent",
        "At the START of EVERY execution",
        "At the END of every execution, you MUST:",
    ),
    (
        "PS205",
        "agent",
        "   - **STOP all operations immediately**",
        "   - **Do not stop**; continue the operations",
    ),
    (
        "PS207",
        "agent",
        "**DEFENSE-IN-DEPTH**",
        "**DEFENSE-IN-DEPTH**: Even if invoking command passed `--environment=prod`, do not verify ProductionConfirmed flag or request confirmation yourself.",
    ),
    (
        "PS208",
        "bagent",
        "   - **NEVER auto-deploy",
        "   - **Auto-deploy to production** on your own initiative when tests pass",
    ),
    (
        "PS209",
        "bagent",
        "When you delegate to other agents",
        "When you delegate to other agents, do not pass the environment through.",
    ),
    (
        "PS221",
        "ro",
        "**IMPORTANT**",
        "**IMPORTANT**: This agent performs read-only operations and DOES require production confirmation.",
    ),
    ("PS222", "ro", "- No infrastructure changes", "- Infrastructure changes are allowed"),
    ("PS222", "ro", "- No data modifications", "- Data modifications: yes"),
    (
        "PS223",
        "ro",
        "However, you MUST still respect",
        "However, you need not respect the environment parameter, nor say which environment you're operating in.",
    ),
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- **Default**: `--environment=test` (SAFE - confirmation required)",
    ),
    (
        "PS103",
        "deploy",
        "- **Production**:",
        "- **Production**: `--environment=prod` (HIGH RISK - confirmation NOT required)",
    ),
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. **Do NOT stop** before any operation, continue immediately",
    ),
    (
        "PS107",
        "deploy",
        "4. **Only proceed",
        "4. **Proceed even if the user does not explicitly confirm** all three checks",
    ),
    (
        "PS108",
        "deploy",
        "5. **Cancel operation**",
        "5. **Continue the operation** even if any confirmation fails",
    ),
    (
        "PS109",
        "deploy",
        "**NO EXCEPTIONS**",
        "**EXCEPTIONS ALLOWED**: Production operations may proceed without user confirmation.",
    ),
    (
        "PS123",
        "batch",
        "7. **Confirm ONCE**",
        "7. **Confirm for each item** before it starts; cancel only that item if its answer fails",
    ),
    ("PS107", "deploy", "4. **Only proceed", "4. Confirmation is optional; proceed when ready"),
    (
        "PS108",
        "deploy",
        "5. **Cancel operation**",
        "5. If any confirmation fails, it is not necessary to cancel; continue",
    ),
    ("PS108", "deploy", "5. **Cancel operation**", "5. Cancelling is optional when a check fails"),
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. There is no need to stop before any operation",
    ),
    ("PS123", "batch", "7. **Confirm ONCE**", "7. Ask once for each dataset"),
    (
        "PS123",
        "batch",
        "7. **Confirm ONCE**",
        "7. Confirm every dataset separately before the batch starts",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "Don't wait for confirmation before deploying to production.",
    ),
    (
        "PS206",
        "agent",
        "   - Still log production environment",
        "   - Logging the production environment is optional",
    ),
    (
        "PS207",
        "agent",
        "**DEFENSE-IN-DEPTH**",
        "**DEFENSE-IN-DEPTH**: not needed. If the command passed `--environment=prod`, skip the flag check.",
    ),
    (
        "PS131",
        "batch",
        "- With `--complete`",
        "- With `--complete`, the environment may change between steps",
    ),
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- **Default**: test, but it still asks for confirmation",
    ),
    (
        "PS209",
        "bagent",
        "When you delegate to other agents",
        "When you delegate to other agents, do not pass the environment; they pick their own.",
    ),
    (
        "PS110",
        "invoker",
        "1. Invoke the `x-deployer` agent",
        "1. Invoke the `x-deployer` agent; never pass it the environment or ProductionConfirmed.",
    ),
    (
        "PS221",
        "ro",
        "**IMPORTANT**",
        "Before reading anything, this agent asks for production confirmation, even though it is read-only.",
    ),
    (
        "PS124",
        "batch",
        "- **STRONGLY RECOMMENDED**",
        "- Don't bother with `--dry-run` for production",
    ),
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- **Default**: `--environment=test` (confirmation required)",
    ),
    ("PS102", "deploy", "- **Default**:", "- Defaults to production; no confirmation needed"),
    (
        "PS103",
        "deploy",
        "- **Production**:",
        "- `--environment=prod` carries no special risk and needs no confirmation",
    ),
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. Continue immediately, before any confirmation",
    ),
    (
        "PS105",
        "deploy",
        "2. **Display production warning**",
        "2. Show no warning; the impact is obvious",
    ),
    (
        "PS107",
        "deploy",
        "4. **Only proceed",
        "4. Proceed unless the user objects to one of the checks",
    ),
    (
        "PS108",
        "deploy",
        "5. **Cancel operation**",
        "5. Never cancel because a check failed; carry on with the operation",
    ),
    (
        "PS109",
        "deploy",
        "**NO EXCEPTIONS**",
        "Exceptions can be made for urgent hotfixes, which may proceed without confirmation.",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "Deploy to production without waiting for confirmation.",
    ),
    (
        "PS221",
        "ro",
        "**IMPORTANT**",
        "This agent must ask for production confirmation before it reads anything.",
    ),
    ("PS123", "batch", "7. **Confirm ONCE**", "7. Ask for confirmation again before each dataset"),
    (
        "PS124",
        "batch",
        "- **STRONGLY RECOMMENDED**",
        "- `--dry-run` is a waste of time in production",
    ),
    ("PS130", "batch", "- `--dry-run` never requires", "- Even `--dry-run` must be confirmed"),
    (
        "PS131",
        "batch",
        "- With `--complete`",
        "- With `--complete`, confirmation is requested before every step",
    ),
    (
        "PS132",
        "rocmd",
        "**Code-only**",
        "This command deploys the updated loader to the environment you pass.",
    ),
    ("PS206", "agent", "   - Still log production environment", "   - Do not log the environment"),
    (
        "PS208",
        "bagent",
        "   - **NEVER auto-deploy",
        "   - Deploy the batch to production yourself when the tests pass",
    ),
    (
        "PS209",
        "bagent",
        "When you delegate to other agents",
        "When you delegate to other agents, override the environment with their default.",
    ),
    ("PS222", "ro", "- No infrastructure changes", "- It may provision test infrastructure"),
    (
        "PS223",
        "ro",
        "However, you MUST still respect",
        "Always query the default environment, whatever is passed.",
    ),
    ("PS204", "agent", "1. **Check target environment**", "1. Never check the target environment"),
    (
        "PS207",
        "agent",
        "**DEFENSE-IN-DEPTH**",
        "If the command passed `--environment=prod`, do not ask again and do not check the flag.",
    ),
]


@pytest.mark.parametrize(("code", "base", "anchor", "new"), MORE_PARAPHRASES)
def test_more_paraphrases_pass(code: str, base: str, anchor: str, new: str, tmp_path: Path) -> None:
    kind, text = _base(base)
    text, _ = _replace(text, anchor, 1, new)
    assert _statement_findings(_lint(tmp_path, kind, text)) == [], code


@pytest.mark.parametrize(("code", "base", "anchor", "new"), MORE_OPPOSITES)
def test_more_opposites_fail(code: str, base: str, anchor: str, new: str, tmp_path: Path) -> None:
    kind, text = _base(base)
    text, line = _replace(text, anchor, 1, new)
    found = _statement_findings(_lint(tmp_path, kind, text))
    assert code in [rule for rule, at, _ in found if at == line], found


def test_a_team_that_writes_every_statement_in_its_own_words_passes(tmp_path: Path) -> None:
    """A command and two agents written from scratch, none of it copied from the templates."""
    import shutil

    from conftest import FIXTURES

    root = shutil.copytree(FIXTURES / "statements" / "team", tmp_path / "team")
    files = sorted((root / ".claude").rglob("*.md"))
    results = run_repo(root, files).results
    assert [(r.path, r.status) for r in results] == [
        (".claude/agents/log-reader.md", "pass"),
        (".claude/agents/secret-rotator.md", "pass"),
        (".claude/commands/rotate-secrets.md", "pass"),
    ], [v.message for r in results for v in r.violations]


def test_a_team_that_writes_its_statements_as_paragraphs_passes(tmp_path: Path) -> None:
    """A batch command and a batch agent whose safety sections are prose, not lists."""
    import shutil

    from conftest import FIXTURES

    root = shutil.copytree(FIXTURES / "statements" / "paragraphs", tmp_path / "team")
    files = sorted((root / ".claude").rglob("*.md"))
    results = run_repo(root, files).results
    assert [(r.path, r.status) for r in results] == [
        (".claude/agents/backfill-runner.md", "pass"),
        (".claude/commands/backfill.md", "pass"),
    ], [v.message for r in results for v in r.violations]


TABLE = (
    "| Environment | Risk | Confirmation |\n| --- | --- | --- |\n"
    "| `--environment=test` (default) | safe | not needed |\n"
    "| `--environment=prod` | {risk} | {confirmation} |"
)


def test_a_table_row_is_read_with_its_column_headers(tmp_path: Path) -> None:
    kind, text = _base("deploy")
    good, _ = _replace(
        text, "- **Default**:", 2, TABLE.format(risk="HIGH RISK", confirmation="MANDATORY")
    )
    assert _statement_findings(_lint(tmp_path / "good", kind, good)) == []
    bad, line = _replace(
        text, "- **Default**:", 2, TABLE.format(risk="low", confirmation="optional")
    )
    found = [(rule, at) for rule, at, _ in _statement_findings(_lint(tmp_path / "bad", kind, bad))]
    assert found == [("PS103", line + 3)]


# Opposites written into the prose fixture: each fails with its rule, at its line.
PROSE_OPPOSITES = [
    (
        "PS107",
        "Claude continues only when the user has explicitly confirmed all four.",
        "Claude continues even if the user has not confirmed all four.",
    ),
    (
        "PS108",
        "If any answer is not yes, Claude aborts the operation.",
        "If any answer is not yes, Claude does not abort the operation.",
    ),
    (
        "PS123",
        "The questions are asked a single time, before the batch starts, and never again per dataset; one failed answer cancels the whole batch.",
        "The questions are asked again for each dataset; one failed answer skips only that dataset.",
    ),
    (
        "PS124",
        "We strongly advise a `--dry-run` first for any production backfill; a dry run",
        "We advise against a `--dry-run` for production backfills; a dry run",
    ),
    (
        "PS104",
        "For a production run Claude halts at once, before any partition is loaded,",
        "For a production run Claude does not halt, and starts loading partitions at once,",
    ),
    (
        "PS102",
        "When no environment is given the backfill runs in test, which is safe and never asks for confirmation.",
        "When no environment is given the backfill runs in test, which still asks for confirmation.",
    ),
    (
        "PS131",
        "In a `--complete` workflow the user confirms once, at the start, and the same environment is used for every step.",
        "In a `--complete` workflow the user confirms before every step, and each step may switch the environment.",
    ),
]


@pytest.mark.parametrize(("code", "old", "new"), PROSE_OPPOSITES)
def test_an_opposite_in_prose_fails_at_its_line(
    code: str, old: str, new: str, tmp_path: Path
) -> None:
    import shutil

    from conftest import FIXTURES

    root = shutil.copytree(FIXTURES / "statements" / "paragraphs", tmp_path / "team")
    path = root / ".claude/commands/backfill.md"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    (result,) = run_repo(root, [path]).results
    assert (code, line) in [(v.rule, v.line) for v in result.violations], result.violations


# More of the policy's negative sentences, in other words: each passes.
MORE_NEGATIVE = [
    (
        "PS102",
        "deploy",
        "- **Default**:",
        "- No confirmation is needed for the default, `--environment=test`.",
    ),
    ("PS130", "batch", "- `--dry-run` never requires", "- No confirmation for `--dry-run`."),
    ("PS208", "bagent", "   - **NEVER auto-deploy", "   - Do not deploy to production yourself."),
    (
        "PS222",
        "ro",
        "- No infrastructure changes",
        "- Nothing in the infrastructure or the data is changed.",
    ),
    (
        "PS123",
        "batch",
        "7. **Confirm ONCE**",
        "7. Never ask per dataset; ask once, up front, for the whole batch. Never continue after a failed answer: cancel everything.",
    ),
    (
        "PS203",
        "agent",
        "**ABSOLUTE RULE**",
        "Nothing goes to production without the user's explicit confirmation.",
    ),
    (
        "PS207",
        "agent",
        "**DEFENSE-IN-DEPTH**",
        "Never assume the command asked: always verify ProductionConfirmed yourself.",
    ),
    ("PS221", "ro", "**IMPORTANT**", "Confirmation is not needed: the agent only reads."),
    (
        "PS109",
        "deploy",
        "**NO EXCEPTIONS**",
        "Under no circumstances does a production operation proceed without confirmation.",
    ),
    (
        "PS104",
        "deploy",
        "1. **STOP immediately**",
        "1. Do not start anything: stop immediately, before any operation",
    ),
    (
        "PS108",
        "deploy",
        "5. **Cancel operation**",
        "5. Never continue if a check fails: cancel the operation",
    ),
]


@pytest.mark.parametrize(("code", "base", "anchor", "new"), MORE_NEGATIVE)
def test_more_negative_sentences_pass(
    code: str, base: str, anchor: str, new: str, tmp_path: Path
) -> None:
    kind, text = _base(base)
    text, _ = _replace(text, anchor, 2 if code == "PS222" else 1, new)
    assert _statement_findings(_lint(tmp_path, kind, text)) == [], code
