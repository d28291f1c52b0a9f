"""The classification layers as a user meets them: modality, scope, the decision table,
delegation chains, verified declarations and the `--fix` guard. Fixtures are written here."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_repo

from safety_lint.check import Selector
from safety_lint.classify import classify, gather
from safety_lint.config import load_config
from safety_lint.engine import fix
from safety_lint.modality import COUNTED
from safety_lint.model import Classification, Evidence, Target
from safety_lint.parse import parse_text
from safety_lint.rulepack import default_pack

COMMAND = ".claude/commands/x.md"
AGENT = ".claude/agents/x.md"


def _doc(text: str, rel: str = COMMAND):  # type: ignore[no-untyped-def]
    kind = "agent" if "/agents/" in rel else "command"
    return parse_text(Target(Path("/r") / rel, rel, kind), text)  # type: ignore[arg-type]


def decide(text: str, rel: str = COMMAND) -> Classification:
    return classify(_doc(text, rel), default_pack())


def findings(text: str, rel: str = COMMAND) -> list[Evidence]:
    return gather(_doc(text, rel), default_pack())


def counted(text: str, rel: str = COMMAND) -> list[Evidence]:
    return [e for e in findings(text, rel) if e.modality in COUNTED]


def block(code: str, lead: str = "Run:") -> str:
    return f"# C\n\n{lead}\n\n```bash\n{code}\n```\n"


# --- the action layer through the decision table -------------------------------------------


def test_the_issue_example_agent_is_deployment() -> None:
    text = "---\nname: x\ntools: Bash, Read\n---\n# X\n\n" + block(
        "kubectl --context acme-prd -n payments apply -f k8s/"
    )
    c = decide(text, AGENT)
    assert c.cls == "deployment"
    assert any(e.layer == "action" and e.line == 12 for e in c.evidence)


@pytest.mark.parametrize(
    "code",
    [
        "kamal deploy",
        "terraform -chdir=infra apply -auto-approve",
        "uv run alembic upgrade head",
        "sudo systemctl start postgresql",
        "mysql -e 'DROP TABLE users'",
        "aliyun ecs DeleteInstance --InstanceId i-1",
        "./scripts/release.sh 1.4.0 production",
    ],
)
def test_mutating_commands_on_live_targets_decide(code: str) -> None:
    assert decide(block(code)).cls == "deployment", code


@pytest.mark.parametrize(
    "code",
    ["kubectl get pods -A", "terraform plan", "python manage.py check --deploy", "npm install"],
)
def test_reading_commands_leave_a_file_read_only(code: str) -> None:
    assert decide(block(code)).cls == "read-only", code


def test_an_unknown_tool_with_a_mutating_verb_is_unclassified() -> None:
    c = decide(block("shipit deploy api"))
    assert c.cls is None and "weak evidence" in c.unclassified_reason


# --- modality -------------------------------------------------------------------------------


def test_a_dont_do_this_block_is_prohibited() -> None:
    text = block("kubectl delete namespace payments", "Don't do this:")
    assert decide(text).cls == "read-only"
    assert {e.modality for e in findings(text)} == {"prohibited"}


def test_a_command_handed_to_the_user_is_not_run_by_the_model() -> None:
    text = (
        "# C\n\nWhen the review is done, ask the user to run `terraform apply tfplan` themselves.\n"
    )
    assert decide(text).cls == "read-only"
    assert {e.modality for e in findings(text)} == {"handed-to-user"}


def test_a_command_in_a_file_the_model_generates_is_not_run() -> None:
    text = "# C\n\nWrite the deploy script:\n\n```bash\n#!/bin/bash\nkubectl apply -f k8s/\n```\n"
    assert decide(text).cls == "read-only"
    assert {e.modality for e in findings(text)} == {"generated-file"}


def test_a_described_deploy_is_not_an_instruction() -> None:
    for text in (
        "# C\n\n- Document how to deploy the service to production.\n",
        "# C\n\n- Write a script that will deploy the service to production.\n",
    ):
        assert decide(text).cls == "read-only", text


def test_a_conditional_step_still_counts() -> None:
    text = "# C\n\n1. If the checks pass, run `helm upgrade api ./chart --kube-context prod`.\n"
    c = decide(text)
    assert c.cls == "deployment"
    assert "conditional" in {e.modality for e in c.evidence}


def test_a_when_to_use_list_is_not_a_step() -> None:
    text = "# C\n\n## When to use\n\n- Before deploying to production\n- Deploy confidently.\n"
    assert counted(text) == []


def test_the_same_negation_scope_covers_prose_and_inline_code() -> None:
    text = "# C\n\nNever run `kubectl delete ns payments` and never deploy to production.\n"
    assert counted(text) == []


# --- scope ----------------------------------------------------------------------------------


def test_the_commands_own_fan_out_is_batch() -> None:
    c = decide(block("kubectl --context prod delete pods --all-namespaces -l app=old"))
    assert c.cls == "batch"


def test_a_loop_over_targets_is_batch() -> None:
    c = decide(
        block('for env in staging prod; do helm upgrade api ./chart --kube-context "$env"; done')
    )
    assert c.cls == "batch"


def test_an_unrelated_tools_all_is_not_scope() -> None:
    code = (
        "kubectl wait --for=condition=ready pod --all\npoetry cache clear --all pypi\nkamal deploy"
    )
    assert decide(block(code)).cls == "deployment"


def test_each_environment_in_a_step_is_scope() -> None:
    text = "# C\n\n1. Deploy the release to production.\n2. Repeat for each environment.\n"
    assert decide(text).cls == "batch"


# --- the file's own gate and description ----------------------------------------------------


def test_a_files_own_confirmation_gate_makes_it_deployment() -> None:
    text = (
        "# Оператор\n\nТребуется явное подтверждение для операций, изменяющих состояние: "  # noqa: RUF001
        "delete pod, scale deployment, rollout restart, apply manifests.\n"
    )
    assert decide(text, AGENT).cls == "deployment"


def test_a_safety_heading_of_its_own_makes_it_deployment() -> None:
    text = "# C\n\n## ⚠️ CRITICAL: MANDATORY PRODUCTION CONFIRMATION PROTOCOL ⚠️\n\nAsk first.\n"
    assert decide(text, AGENT).cls == "deployment"


def test_the_description_says_what_the_file_does() -> None:
    text = (
        "---\ndescription: Deploys a tagged release of the ingestion service with Terraform\n"
        "---\n# Release\n"
    )
    assert decide(text).cls == "deployment"


@pytest.mark.parametrize(
    "description",
    [
        "Scale a stateful set or deployment up or down.",
        "Inspect and manage Memorystore instances in the team's account.",
        "Create, list, and restore disk snapshots of the build servers.",
        "Cancel a running release pipeline.",
        "Automate the platform team's chores — restart services and rotate certificates.",
        # A purpose clause says what the skill itself does.
        "Use this skill to help users restore or delete disk snapshots of the app servers.",
        "Use this agent for restarting the checkout services after a config change.",
        # What the skill covers, listed after "including".
        "Use when the user asks about volume backups, including deleting snapshots.",
    ],
)
def test_a_description_that_manages_live_objects_is_deployment(description: str) -> None:
    assert decide(f"---\ndescription: {description}\n---\n# Ops\n").cls == "deployment"


@pytest.mark.parametrize(
    "description",
    [
        "Create a new React component with tests.",
        "Update the changelog from the merged pull requests.",
        "Use when you need to design and scale event-driven systems.",
        "Use this agent to design how services restart after a failover.",
        "Review code and manage the TODO list of the session.",
        "Use when writing runbooks, including how to restart services.",
        "Create a new Git Flow release branch with release notes.",
        "Use when designing services. <example>user: deploy the api service to production"
        " assistant: I will plan it</example>",
    ],
)
def test_a_description_of_local_work_stays_read_only(description: str) -> None:
    assert decide(f"---\ndescription: {description}\n---\n# Work\n").cls == "read-only"


def test_a_step_under_a_heading_that_names_parameters_is_still_a_step() -> None:
    step = "## Step 3: Build Parameters and Execute\n\n```bash\nkubectl -n shop delete pod api-0\n```\n"
    assert decide(step).cls == "deployment"
    options = "## Options\n\n- `--prune`: runs `kubectl -n shop delete pod` for stale pods\n"
    assert decide(options).cls != "deployment"


def test_a_cli_installing_its_own_plugins_changes_no_account() -> None:
    setup = "```bash\naliyun plugin install --names sls\noci setup config\n```\n"
    assert decide(setup).cls == "read-only"
    handle = "```bash\naliyun sas HandleSecurityEvents --OperationCode block_ip\n```\n"
    assert decide(handle).cls == "deployment"


# --- delegation -----------------------------------------------------------------------------


PUSH_MAIN = block("git checkout main\ngit merge feature --no-ff\ngit push origin main")


@pytest.mark.parametrize(
    "said",
    [
        "---\ndescription: Merge the branch to main for production deployment\n---\n",
        "# Ship\n\nCode in main -> production.\n\n",
        "# Ship\n\nA push to `main` deploys to prod within minutes.\n\n",
    ],
)
def test_a_push_to_a_branch_the_file_says_deploys_is_deployment(said: str) -> None:
    c = decide(said + PUSH_MAIN)
    assert c.cls == "deployment"
    push = [e for e in c.evidence if e.rule == "git.push-deploying-branch"]
    assert push and "git push origin main" in push[0].what


@pytest.mark.parametrize(
    "said",
    [
        "",  # source control is not deployment (LABELS rule 4)
        "# Ship\n\nProduction deploys from the `release` branch.\n\n",  # another branch
        "# Ship\n\nNever push to main during a production deployment freeze:\n\n- a\n\n",
        "# Ship\n\nKeep main production-ready.\n\n",  # no link: nothing goes there
    ],
)
def test_a_push_the_file_does_not_tie_to_production_stays_read_only(said: str) -> None:
    c = decide(said + PUSH_MAIN)
    assert c.cls == "read-only", c.evidence


def test_a_code_span_cut_off_by_a_blank_line_is_still_code() -> None:
    text = (
        "# Forward\n\n1. Find them: `gws gmail users messages list`\n"
        "2. Forward: `gws gmail +send --to boss@example.com --body 'Hi:\n\nBody'`\n"
    )
    c = decide(text)
    assert c.cls == "deployment"
    assert any(e.line == 4 and "+send" in e.what for e in c.evidence)
    # A closed span later in the paragraph means the backtick was no opening: nothing added.
    assert decide("# F\n\nUse ` as a quote, then `ls`.\n").cls == "read-only"


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_delegation_chain_of_three_inherits_the_class(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            ".claude/commands/release.md": "# Release\n\n1. Invoke the `orchestrator` agent.\n",
            ".claude/agents/orchestrator.md": (
                "---\nname: orchestrator\n---\n# Orchestrator\n\n1. Invoke the `deployer` agent.\n"
            ),
            ".claude/agents/deployer.md": (
                "---\nname: deployer\n---\n# Deployer\n\n```bash\nterraform apply tfplan\n```\n"
            ),
        },
    )
    run = run_repo(root)
    classes = {r.path: r.cls for r in run.results if r.kind != "document"}
    assert classes == {
        ".claude/agents/deployer.md": "deployment",
        ".claude/agents/orchestrator.md": "deployment",
        ".claude/commands/release.md": "deployment",
    }


# --- declarations verified; the --fix guard ------------------------------------------------


def test_a_declared_read_only_file_that_applies_is_contradicted(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            ".claude/commands/roll.md": "---\nsafety-class: read-only\n---\n# Roll\n\n"
            + block("kubectl --context prod apply -f k8s/"),
        },
    )
    (result,) = [r for r in run_repo(root).results if r.kind != "document"]
    assert ("PS008", 11) in {(v.rule, v.line) for v in result.violations}


def test_fix_writes_no_read_only_claim_into_a_file_with_mutating_evidence(tmp_path: Path) -> None:
    handed = (
        "---\nname: reviewer\ntools: Bash, Read\n---\n# Reviewer\n\n"
        "Review the plan, then ask the user to run `terraform apply tfplan` themselves.\n"
    )
    weak = "---\nname: shipper\ntools: Bash, Read\n---\n# Shipper\n\n" + block("shipit deploy api")
    root = _repo(
        tmp_path, {".claude/agents/reviewer.md": handed, ".claude/agents/shipper.md": weak}
    )
    pack, config = default_pack(), load_config(root)
    run = run_repo(root)
    by_path = {r.path: r for r in run.results}
    assert by_path[".claude/agents/reviewer.md"].cls == "read-only"
    assert by_path[".claude/agents/shipper.md"].cls is None
    found = {o.path: o for o in fix(run, pack, config, Selector())}
    reviewer = found[".claude/agents/reviewer.md"]
    assert reviewer.fixed is None and "line 7" in reviewer.problem
    assert (
        ".claude/agents/shipper.md" not in found or found[".claude/agents/shipper.md"].fixed is None
    )


# --- classify --write and require-safety-class ----------------------------------------------


def test_classify_write_records_inferred_classes_only_where_none_is_declared(
    tmp_path: Path,
) -> None:
    from conftest import cli

    deploy = (
        "---\r\ndescription: Ship it\r\n---\r\n# Ship\r\n\r\n```bash\r\nkamal deploy\r\n```\r\n"
    )
    declared = "---\nsafety-class: deployment\n---\n# Review\n\nRead the diff.\n"
    bare = "# Review\n\nRead the diff.\n"
    root = _repo(
        tmp_path,
        {
            ".claude/commands/ship.md": deploy,
            ".claude/commands/declared.md": declared,
            ".claude/commands/bare.md": bare,
        },
    )
    (root / ".git").mkdir()
    out = cli(root, "classify", "--write")
    assert out.returncode == 0, out.stderr
    assert "wrote safety-class to 2 files" in out.stderr
    ship = (root / ".claude/commands/ship.md").read_bytes()
    assert (
        ship
        == deploy.replace("---\r\n# Ship", "safety-class: deployment\r\n---\r\n# Ship").encode()
    )
    assert (root / ".claude/commands/declared.md").read_text() == declared
    assert (
        root / ".claude/commands/bare.md"
    ).read_text() == "---\nsafety-class: read-only\n---\n" + bare


def test_require_safety_class_makes_a_declaration_mandatory(tmp_path: Path) -> None:
    from conftest import cli

    root = _repo(
        tmp_path,
        {
            ".claude/commands/bare.md": "# Review\n\nRead the diff.\n",
            ".claude/commands/declared.md": "---\nsafety-class: read-only\n---\n# Review\n\nRead.\n",
            ".safety-lint.yaml": "require-safety-class: true\n",
        },
    )
    (root / ".git").mkdir()
    out = cli(root, "check", ".claude/commands/bare.md", ".claude/commands/declared.md")
    assert ".claude/commands/bare.md:1:1: PS009 safety-class-required" in out.stdout
    assert "declared.md:1:1: PS009" not in out.stdout


# --- a team's rule pack extends the classification ------------------------------------------


def test_a_team_pack_adds_one_evidence_kind_and_keeps_the_rest(tmp_path: Path) -> None:
    from safety_lint.rulepack import load_pack

    team = tmp_path / "team"
    team.mkdir()
    (team / "ours.yaml").write_text(
        "classification:\n"
        "  evidence:\n"
        "    - id: acme-release-train\n"
        "      what: boards the Acme release train\n"
        "      signal: deployment\n"
        "      kinds: [command, agent]\n"
        "      in: [step]\n"
        "      pattern: '\\bboard the release train\\b'\n",
        encoding="utf-8",
    )
    from safety_lint.rulepack import bundled_rules_dir

    builtin = default_pack()
    pack = load_pack([bundled_rules_dir(), team])
    ids = [e["id"] for e in pack.classification["evidence"]]
    assert ids[:-1] == [e["id"] for e in builtin.classification["evidence"]]
    assert ids[-1] == "acme-release-train"
    doc = _doc("# C\n\n1. Board the release train for the payments service.\n")
    assert classify(doc, pack).cls == "deployment"
    assert classify(doc, builtin).cls == "read-only"
    # The built-in kinds still work with the team pack.
    assert classify(_doc(block("kamal deploy")), pack).cls == "deployment"


def test_a_bad_classification_section_names_file_line_and_a_close_key(tmp_path: Path) -> None:
    from safety_lint.rulepack import RulePackError, bundled_rules_dir, load_pack

    team = tmp_path / "team"
    team.mkdir()
    (team / "ours.yaml").write_text(
        "classification:\n  evidence:\n    - id: deploy-instruction\n      sigal: batch\n",
        encoding="utf-8",
    )
    with pytest.raises(RulePackError) as err:
        load_pack([bundled_rules_dir(), team])
    assert f"{team / 'ours.yaml'}:4:" in str(err.value)
    assert "did you mean 'signal'?" in str(err.value)


def test_a_team_pack_overrides_a_kind_by_id(tmp_path: Path) -> None:
    from safety_lint.rulepack import bundled_rules_dir, load_pack

    team = tmp_path / "team"
    team.mkdir()
    (team / "ours.yaml").write_text(
        "classification:\n  evidence:\n    - id: runs-loader\n      strength: decides\n",
        encoding="utf-8",
    )
    pack = load_pack([bundled_rules_dir(), team])
    loader = next(e for e in pack.classification["evidence"] if e["id"] == "runs-loader")
    assert loader["strength"] == "decides" and loader["pattern"]
    assert (
        classify(_doc("# C\n\n1. Run the data load for the reports.\n"), pack).cls == "deployment"
    )
