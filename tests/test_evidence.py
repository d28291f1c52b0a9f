"""Each kind of classification evidence (rules/classification.yaml), found and not found.

The evidence is what a file tells the model to DO: commands in code blocks it is told to run,
inline commands in its steps, deploy or live-environment steps, its parameters, its tools.
Topic words, things shown as what not to do, files the model writes and other agents' work
are not evidence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_lint.classify import classify, gather
from safety_lint.modality import COUNTED
from safety_lint.model import Classification, Evidence, Target
from safety_lint.parse import parse_text
from safety_lint.rulepack import default_pack

AGENT = ".claude/agents/x.md"
COMMAND = ".claude/commands/x.md"


def _doc(text: str, rel: str):  # type: ignore[no-untyped-def]
    kind = "agent" if "/agents/" in rel else "command"
    return parse_text(Target(Path("/r") / rel, rel, kind), text)  # type: ignore[arg-type]


def evidence(text: str, rel: str = COMMAND) -> dict[str, Evidence]:
    """The findings that count (instructed or conditional), by kind."""
    found = gather(_doc(text, rel), default_pack())
    return {e.rule: e for e in found if e.modality in COUNTED}


def decide(text: str, rel: str = COMMAND, agents=None) -> Classification:  # type: ignore[no-untyped-def]
    return classify(_doc(text, rel), default_pack(), (), agents)


def found(text: str, rule: str, rel: str = COMMAND) -> int | None:
    """The line of the `rule` evidence, or None."""
    ev = evidence(text, rel).get(rule)
    return ev.line if ev else None


def bash(code: str, lead: str = "Run:") -> str:
    return f"# C\n\n{lead}\n\n```bash\n{code}\n```\n"


# --- commands the model runs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "kubectl apply -f k8s/",
        "$ terraform apply tfplan",
        "sudo systemctl restart nginx",
        "helm upgrade api ./chart",
        "npm publish",
        "python3 -m twine upload dist/*",
        "alembic upgrade head",
        "php artisan migrate",
        "git push origin v1.2.3",
        "./deploy-production.sh v1.2.4",
        "aws ecs update-service --cluster prod",
        "vercel --prod",
        "npx ruv-swarm github release-deploy --targets npm",
    ],
)
def test_deploy_command_in_a_block_to_run(command: str) -> None:
    assert found(bash(command), "deploy-command") == 6


def test_deploy_command_line_is_the_command_line() -> None:
    code = "# first build\nmake build\n\n# then ship\nkubectl apply -f k8s/"
    assert found(bash(code), "deploy-command") == 10


def test_continuation_lines_are_one_command() -> None:
    code = "npx tool fullstack-update \\\n  --frontend org/web \\\n  --coordinate-deployment"
    assert found(bash(code), "deploy-command") == 6


@pytest.mark.parametrize(
    "command",
    [
        "kubectl get pods",
        "terraform plan -out tfplan",
        "git push origin feature/x",
        "npm install",
        "# kubectl apply -f k8s/",  # a comment
        "echo kubectl apply",
    ],
)
def test_commands_that_change_nothing(command: str) -> None:
    assert found(bash(command), "deploy-command") is None


def test_a_deploy_command_shown_as_what_not_to_do_is_no_evidence() -> None:
    for lead in ("Never run this yourself:", "Don't do this:", "**Wrong:**"):
        text = bash("kubectl apply -f prod.yaml", lead)
        assert evidence(text) == {}, lead
        assert decide(text).cls == "read-only"
    text = "# C\n\n## Anti-patterns\n\n```bash\nterraform destroy\n```\n"
    assert evidence(text) == {}


def test_only_the_last_sentence_of_a_lead_in_introduces_the_block() -> None:
    assert found(bash("kubectl apply -f k8s/", "Never commit secrets. Run:"), "deploy-command")
    text = bash("kubectl apply -f k8s/", "Never run this yourself; it runs after confirmation:")
    assert "deploy-command" not in evidence(text)


def test_a_condition_is_not_a_prohibition() -> None:
    text = bash("terraform apply tfplan", "Never run this without the user's confirmation:")
    assert found(text, "deploy-command") == 6
    assert decide(text).cls == "deployment"


@pytest.mark.parametrize(
    ("lang", "code", "lead"),
    [
        ("yaml", "on: push\njobs:\n  d:\n    steps:\n      - run: kubectl apply -f k8s/", "Run:"),
        ("", "apiVersion: batch/v1\nkind: Job\n# kubectl apply -f x", "Run:"),
        ("bash", "#!/bin/bash\nset -e\nkubectl apply -f k8s/", "Run:"),
        ("bash", "# scripts/deploy.sh\nkubectl apply -f k8s/", "Run:"),
        ("bash", "kubectl apply -f k8s/", "Create `scripts/deploy.sh`:"),
        ("hcl", 'resource "x" "y" {}\n# terraform apply', "Run:"),
        ("python", "subprocess.run(['kubectl', 'apply'])", "Run:"),
    ],
)
def test_code_in_a_file_the_model_writes_is_not_run(lang: str, code: str, lead: str) -> None:
    text = f"# C\n\n{lead}\n\n```{lang}\n{code}\n```\n"
    assert "deploy-command" not in evidence(text)


def test_a_lead_in_that_says_to_run_the_script_wins() -> None:
    assert found(bash("./scripts/deploy-prod.sh", "Run the deploy script:"), "deploy-command")


def test_inline_command_in_a_step() -> None:
    text = "# C\n\n## Approach\n\n- Use `terraform import` to adopt existing resources.\n"
    assert found(text, "deploy-command") == 5
    negated = "# C\n\n- Never run `kubectl apply` yourself.\n"
    assert "deploy-command" not in evidence(negated)


def test_api_write_command() -> None:
    text = "# C\n\n1. Append the row: `gws sheets +append --spreadsheet-id ID --values x`\n"
    assert found(text, "api-write-command") == 3
    assert found(bash("stripe customers delete --id cus_1"), "api-write-command") == 6
    for local in ("gh pr create --title x", "git branch --delete x", "gws sheets +read --id x"):
        assert "api-write-command" not in evidence(bash(local)), local


# --- instructions in the text --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "- Deploy workloads",
        "- Publish the package to PyPI",
        "- Roll back the release if the error rate rises",
        "- Rollback quickly",
        "- Release to production after the checks",
        "- Promote the build to production",
        "- Test manual release trigger",
        'Input: "Deploy the application to GCS and run the tests"',
    ],
)
def test_deploy_instruction(line: str) -> None:
    assert found(f"# A\n\n## Approach\n\n{line}\n", "deploy-instruction", AGENT) == 5


def test_deploy_instruction_inside_a_strategy_paragraph() -> None:
    text = "# A\n\nVersion models carefully. Deploy with proper monitoring. Plan capacity.\n"
    assert found(text, "deploy-instruction", AGENT) == 3


@pytest.mark.parametrize(
    "text",
    [
        "- Deployment strategies\n- Blue-green deployments\n- Rollback procedures",
        "- Deploy pipelines with GitHub Actions",
        "- Deploy specialized agents to review the code",
        "- Publish-subscribe messaging",
        "- Rollback to last valid state",
        "Will Not:\n\n- Deploy applications to production",
        "- **With devops-engineer**: Deploy and manage the clusters",
        "## Integration with other agents\n\n- Deploy with the help of sre-engineer",
        "- Deployment automated",
    ],
)
def test_topic_lists_and_others_work_are_not_instructions(text: str) -> None:
    assert "deploy-instruction" not in evidence(f"# A\n\n{text}\n", AGENT)


def test_a_caption_over_a_file_is_not_a_step() -> None:
    text = (
        '# C\n\nDeploy the monitoring stack with Terraform:\n\n```hcl\nresource "x" "y" {}\n```\n'
    )
    assert "deploy-instruction" not in evidence(text)


@pytest.mark.parametrize(
    "line",
    [
        "- Test playbooks in staging environments before production",
        "- Validate migrations in development and staging environments",
        "- Run the smoke tests against production after the release",
        "- Push the image to the production registry",
    ],
)
def test_live_target_instruction(line: str) -> None:
    assert found(f"# A\n\n{line}\n", "live-target-instruction", AGENT) == 3


@pytest.mark.parametrize(
    "line",
    [
        "- Testing in production: chaos engineering, canary analysis",
        "- You can run validation against production data",
        "- Apply the same standards to test code as production code",
        '- Critique: "How would you validate this in production?"',
        "- Never test in production",
        "- Test in a local environment",
    ],
)
def test_no_live_target(line: str) -> None:
    assert "live-target-instruction" not in evidence(f"# A\n\n{line}\n", AGENT)


def test_apply_after_check() -> None:
    assert found("# A\n\n- Always plans before applying\n", "apply-after-check", AGENT) == 3
    for line in ("Require approval before applying fixes", "Read the docs before deploying"):
        hit = found(f"# A\n\n- {line}\n", "apply-after-check", AGENT)
        assert (hit is None) == ("fixes" in line), line


def test_runs_migrations() -> None:
    text = "# A\n\n## Guidelines\n\n- Run migrations: `php artisan migrate`\n"
    assert found(text, "runs-migrations", AGENT) == 5
    assert found("# C\n\n1. Execute the data migration between the systems.\n", "runs-migrations")
    for line in (
        "- Write migration files for the new columns",
        "- Run migration: convert the Express app to Fastify",
        "It documents options but does not modify files or execute migrations.",
    ):
        assert "runs-migrations" not in evidence(f"# A\n\n{line}\n", AGENT), line


def test_cluster_setup_and_ownership() -> None:
    assert found("# C\n\n1. Set up Kubernetes cluster (managed)\n", "cluster-setup") == 3
    assert "cluster-setup" not in evidence("# C\n\n- Design the cluster topology\n")
    owns = "# A\n\nThis agent owns migration execution (waves, cutover, runbooks).\n"
    assert found(owns, "owns-execution", AGENT) == 3
    assert "owns-execution" not in evidence("# A\n\nThis agent owns the migration plan.\n", AGENT)


def test_write_operation_and_write_api_methods() -> None:
    assert found("# C\n\nThis is a write command: confirm first.\n", "write-operation") == 3
    methods = "# C\n\n### users\n\n- `delete` — Deletes a user.\n- `get` — Gets a user.\n"
    assert found(methods, "write-api-methods") == 5
    reads = "# C\n\n### users\n\n- `get` — Gets a user.\n- `list` — Lists users.\n"
    assert "write-api-methods" not in evidence(reads)


def test_runs_loader_is_weak() -> None:
    c = decide("# C\n\n1. Run the data load for the reports.\n")
    assert c.cls is None and [e.rule for e in c.evidence] == ["runs-loader"]


# --- parameters, frontmatter and weak signals -----------------------------------------------


def test_environment_parameter_and_deploy_actions() -> None:
    assert found(
        "---\nargument-hint: <x> [--environment=test|prod]\n---\n", "environment-parameter"
    )
    hint = "---\nargument-hint: '[strategy] | setup | deploy | switch | rollback'\n---\n# C\n"
    assert found(hint, "deploy-action-argument") == 2
    for safe in ("[--rollback-ready]", "[--no-push] [--draft]", "[--deploy-target]"):
        assert "deploy-action-argument" not in evidence(f"---\nargument-hint: '{safe}'\n---\n")


def test_deploy_trigger_in_the_description_is_weak() -> None:
    text = "---\ndescription: Use PROACTIVELY for Kubernetes deployments, scaling.\n---\n# A\n"
    c = decide(text, AGENT)
    assert c.cls is None and [e.rule for e in c.evidence] == ["deploy-trigger"]
    assert "weak evidence" in c.unclassified_reason
    after = "---\ndescription: Runs the tests. Use after code changes, after deployments.\n---\n"
    assert decide(after, AGENT).cls == "read-only"
    topic = "---\ndescription: Senior deployment engineer for production-ready pipelines\n---\n"
    assert decide(topic, AGENT).cls == "read-only"


def test_live_change_safeguard_and_remote_shell_are_weak() -> None:
    assert found("# A\n\n- Agree the maintenance window\n", "live-change-safeguard", AGENT) == 3
    assert "live-change-safeguard" not in evidence("# A\n\n- Supports -WhatIf/-Confirm\n", AGENT)
    c = decide("# C\n\nThe connection is `ssh macbook`.\n")
    assert c.cls is None and [e.rule for e in c.evidence] == ["remote-shell"]


def test_a_precaution_only_a_live_change_needs_decides() -> None:
    steps = (
        "# A\n\n- List the affected mailboxes before any modification\n",
        "# A\n\nStart small. Implement the changes during agreed maintenance windows.\n",
    )
    assert found(steps[0], "live-change-precaution", AGENT) == 3
    assert decide(steps[1], AGENT).cls == "deployment"
    # The nouns alone are a topic; writing the procedure down is not doing it.
    for topic in (
        "# A\n\n- Maintenance window planning\n",
        "# A\n\n- Back up the config file before modification\n",
        "# A\n\nDocument how to implement changes during maintenance windows.\n",
    ):
        assert "live-change-precaution" not in evidence(topic, AGENT), topic


def test_weak_signals_do_not_add_up() -> None:
    """A decision table, not summed weights: two weak findings are still only weak."""
    text = (
        "---\ndescription: Use when deploying Azure infrastructure\n---\n# A\n\n"
        "- Plan the change window with the owners\n"
    )
    c = decide(text, AGENT)
    assert c.cls is None and "weak evidence" in c.unclassified_reason


# --- batch ----------------------------------------------------------------------------------


def test_batch_signals() -> None:
    assert found('# C\n\n```bash\nhelm upgrade --repos "org/a,org/b"\n```\n', "scope-all") == 4
    assert found("---\nargument-hint: '[--all]'\n---\n", "batch-all-flag") == 2
    for one in (
        "aws elbv2 modify-target-group --targets Id=i-1",
        "kubectl get pods --all-namespaces",
        "kubectl wait --for=condition=ready pod --all",
    ):
        assert "scope-all" not in evidence(bash(one)), one
    assert found("# C\n\nUpdates several services in one run.\n", "batch-several-targets") == 3
    assert "batch-several-targets" not in evidence("# C\n\nEnable Defender for all services.\n")


def test_batch_needs_deployment_work() -> None:
    assert decide("---\nargument-hint: '[--all]'\n---\n# C\n").cls == "read-only"
    assert decide("---\nargument-hint: '[--all]'\n---\n" + bash("npm publish")).cls == "batch"


def test_fan_out_to_deployment_agents() -> None:
    text = "# C\n\n1. Invoke the `api-deployer` agent.\n2. Invoke the `web-deployer` agent.\n"
    agents = {"api-deployer": "deployment", "web-deployer": "deployment"}
    c = decide(text, COMMAND, agents)
    assert c.cls == "batch" and {e.rule for e in c.evidence} == {"delegation", "fan-out"}


# --- read-only ------------------------------------------------------------------------------


def test_read_only_statement() -> None:
    assert found("# C\n\nThis command is read-only.\n", "read-only-statement") == 3
    assert found("# A\n\nIt operates in **read-only mode**.\n", "read-only-statement", AGENT)
    for text in ("MCP connection: server with read-only access configured", "Read-only replicas"):
        assert "read-only-statement" not in evidence(f"# C\n\n{text}\n"), text


@pytest.mark.parametrize(
    ("tools", "cls"),
    [
        ("Read, Grep, Glob, WebFetch, TodoWrite", "read-only"),
        ("codebase, search, usages, read/problems, web/fetch", "read-only"),
        ("Read, terminalCommand", "deployment"),
        ("codebase, edit/editFiles, runCommands", "deployment"),
        ("Read, Task", "deployment"),
        ("Read, mcp__db__query", "deployment"),
    ],
)
def test_only_read_tools_make_an_agent_read_only(tools: str, cls: str) -> None:
    c = decide(f"---\ntools: {tools}\n---\n# A\n\n- Run `terraform apply tfplan`.\n", AGENT)
    assert c.cls == cls
    assert (c.source == "tools") == (cls == "read-only")


def test_a_command_is_not_read_only_by_its_allowed_tools() -> None:
    text = "---\nallowed-tools: Read, Grep\n---\n" + bash("kubectl apply -f k8s/")
    assert decide(text).cls == "deployment"
