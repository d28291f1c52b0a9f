"""The shell tokenizer: simple commands out of scripts, wrappers and env peeled off."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety_lint.shell import split_script, tool_name


def argvs(script: str) -> list[tuple[str, ...]]:
    return [inv.argv for inv in split_script(script)]


@pytest.mark.parametrize(
    ("script", "argv", "wrappers"),
    [
        ("sudo systemctl restart nginx", ("systemctl", "restart", "nginx"), ("sudo",)),
        ("sudo -u postgres psql -c 'SELECT 1'", ("psql", "-c", "SELECT 1"), ("sudo",)),
        ("env FOO=1 BAR=2 make deploy", ("make", "deploy"), ("env",)),
        ("uv run --with x alembic upgrade head", ("alembic", "upgrade", "head"), ("uv run",)),
        (
            "poetry run python -m alembic upgrade head",
            ("alembic", "upgrade", "head"),
            ("poetry run", "python -m"),
        ),
        ("pipenv run ./manage.py migrate", ("./manage.py", "migrate"), ("pipenv run",)),
        ("npx -y vercel deploy --prod", ("vercel", "deploy", "--prod"), ("npx",)),
        ("pnpm dlx prisma migrate deploy", ("prisma", "migrate", "deploy"), ("pnpm dlx",)),
        ("yarn dlx knex migrate:latest", ("knex", "migrate:latest"), ("yarn dlx",)),
        ("bunx drizzle-kit push", ("drizzle-kit", "push"), ("bunx",)),
        ("bundle exec rake db:migrate", ("rake", "db:migrate"), ("bundle exec",)),
        ("python3 -m twine upload dist/*", ("twine", "upload", "dist/*"), ("python3 -m",)),
        ("time nohup nice -n 10 ./deploy.sh", ("./deploy.sh",), ("time", "nohup", "nice")),
        (
            "timeout 300 kubectl rollout status deploy/x",
            ("kubectl", "rollout", "status", "deploy/x"),
            ("timeout",),
        ),
        ("xargs -n1 kubectl delete pod", ("kubectl", "delete", "pod"), ("xargs",)),
        ("watch -n 5 kubectl get pods", ("kubectl", "get", "pods"), ("watch",)),
        ("exec doas -u deploy kamal deploy", ("kamal", "deploy"), ("exec", "doas")),
        ("python manage.py check --deploy", ("manage.py", "check", "--deploy"), ("python",)),
        ("bash ./scripts/release.sh 1.2 prod", ("./scripts/release.sh", "1.2", "prod"), ("bash",)),
    ],
)
def test_wrappers_are_peeled(script: str, argv: tuple[str, ...], wrappers: tuple[str, ...]) -> None:
    [inv] = split_script(script)
    assert inv.argv == argv
    assert inv.wrappers == wrappers


def test_env_prefix_and_env_command() -> None:
    [inv] = split_script("RAILS_ENV=production env DEBUG=1 bundle exec rails db:migrate")
    assert inv.env == (("RAILS_ENV", "production"), ("DEBUG", "1"))
    assert inv.argv == ("rails", "db:migrate")


def test_assignment_alone_is_no_command() -> None:
    assert argvs("NAMESPACE=prod\nkubectl -n $NAMESPACE get pods") == [
        ("kubectl", "-n", "$NAMESPACE", "get", "pods")
    ]


def test_options_stay_in_place() -> None:
    [inv] = split_script("kubectl --context acme-prd -n payments apply -f k8s/")
    assert inv.argv == ("kubectl", "--context", "acme-prd", "-n", "payments", "apply", "-f", "k8s/")


@pytest.mark.parametrize(
    "script",
    [
        "kubectl get pods && kubectl delete pod x",
        "kubectl get pods || kubectl delete pod x",
        "kubectl get pods; kubectl delete pod x",
        "kubectl get pods | kubectl delete pod x",
        "kubectl get pods & kubectl delete pod x",
        "kubectl get pods\nkubectl delete pod x",
        "kubectl get pods |& kubectl delete pod x",
    ],
)
def test_operators_separate_commands(script: str) -> None:
    assert argvs(script) == [("kubectl", "get", "pods"), ("kubectl", "delete", "pod", "x")]


def test_lines_are_reported_and_continuations_joined() -> None:
    script = (
        "# deploy\nhelm upgrade app ./chart \\\n  --namespace prod \\\n  --wait\n\nkubectl get pods"
    )
    invs = split_script(script, first_line=10)
    assert [(i.line, i.argv[:2]) for i in invs] == [
        (11, ("helm", "upgrade")),
        (15, ("kubectl", "get")),
    ]
    assert "--wait" in invs[0].argv


def test_comments_are_dropped() -> None:
    assert argvs("kubectl get pods  # then kubectl delete pods\n# kubectl apply") == [
        ("kubectl", "get", "pods")
    ]


def test_redirections_are_not_arguments() -> None:
    assert argvs("terraform apply -auto-approve > out.log 2>&1") == [
        ("terraform", "apply", "-auto-approve")
    ]


def test_heredoc_body_written_to_a_file_is_data() -> None:
    script = "cat <<EOF > deploy.sh\nkubectl apply -f x\nEOF\nterraform plan"
    invs = split_script(script)
    assert [i.argv for i in invs] == [("cat",), ("terraform", "plan")]
    assert invs[0].heredoc == "kubectl apply -f x"
    assert invs[1].line == 4


def test_quoted_heredoc_delimiter_and_tab_stripping() -> None:
    script = "ssh deploy@web <<'REMOTE'\nsudo systemctl restart app\nREMOTE\necho done"
    invs = split_script(script)
    assert invs[0].argv == ("ssh", "deploy@web")
    assert invs[0].heredoc == "sudo systemctl restart app"
    assert invs[1].argv == ("echo", "done")
    tabbed = split_script("cat <<-END > f\n\tkubectl apply\n\tEND\necho hi")
    assert [i.argv for i in tabbed] == [("cat",), ("echo", "hi")]


def test_heredoc_fed_to_a_shell_is_commands() -> None:
    invs = split_script("sudo bash <<EOF\napt-get install -y nginx\nEOF")
    assert [(i.argv, i.nested, i.line) for i in invs] == [
        (("apt-get", "install", "-y", "nginx"), True, 2)
    ]


def test_here_string_is_the_input() -> None:
    [inv] = split_script("redis-cli -h cache <<< 'FLUSHALL'")
    assert inv.argv == ("redis-cli", "-h", "cache")
    assert inv.heredoc == "FLUSHALL"


def test_bash_c_and_eval_are_split_again() -> None:
    invs = split_script("bash -lc 'kubectl delete pod x; helm -n y upgrade z ./c'")
    assert [i.argv[:2] for i in invs] == [("kubectl", "delete"), ("helm", "-n")]
    assert all(i.nested and "bash -c" in i.wrappers for i in invs)
    [inv] = split_script('eval "kubectl delete ns foo"')
    assert inv.argv == ("kubectl", "delete", "ns", "foo") and inv.nested


def test_command_substitution_and_backticks() -> None:
    invs = split_script("kubectl delete $(kubectl get pods -o name | grep old) && echo `date`")
    assert [(i.argv, i.nested) for i in invs] == [
        (("kubectl", "get", "pods", "-o", "name"), True),
        (("grep", "old"), True),
        (("kubectl", "delete", "$(...)"), False),
        (("date",), True),
        (("echo", "$(...)"), False),
    ]


def test_single_quotes_hide_substitution() -> None:
    assert argvs("echo '$(kubectl delete pod x)'") == [("echo", "$(kubectl delete pod x)")]


def test_loops_and_conditionals() -> None:
    script = "for ns in a b; do kubectl -n $ns rollout restart deploy/x; done\nif true; then helm upgrade a b; fi"
    assert [a[:2] for a in argvs(script)] == [("kubectl", "-n"), ("true",), ("helm", "upgrade")]


def test_command_v_only_asks() -> None:
    assert argvs("command -v kubectl >/dev/null || exit 1") == [("exit", "1")]


def test_quoted_string_across_lines() -> None:
    invs = split_script(
        'psql -c "\n  DELETE FROM users\n  WHERE id = 1;" && echo ok\nkubectl get pods'
    )
    assert invs[0].argv[:2] == ("psql", "-c") and "DELETE FROM users" in invs[0].argv[2]
    assert [i.line for i in invs] == [1, 1, 4]


def test_unbalanced_quote_does_not_swallow_the_rest() -> None:
    assert argvs('echo "oops\nkubectl apply -f x') == [
        ("echo", "oops"),
        ("kubectl", "apply", "-f", "x"),
    ]


def test_tool_name() -> None:
    assert tool_name("./scripts/Release.sh") == "release.sh"
    assert tool_name("/usr/local/bin/kubectl") == "kubectl"
    assert tool_name("bin\\rails") == "rails"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab $()`'\"\\;|&<>#\n\t-=c{}EOF")), max_size=80))
def test_never_raises(script: str) -> None:
    for inv in split_script(script):
        assert inv.argv and inv.line >= 1


def test_deep_nesting_is_bounded() -> None:
    script = "bash -c " * 50 + "'kubectl apply'"
    split_script(script)  # returns, whatever it finds
    nested = "$(" * 200 + "x" + ")" * 200
    split_script(nested)


def test_the_action_layer_imports_nothing_heavy() -> None:
    """The runtime guard imports these before every Bash call."""
    import subprocess
    import sys

    code = (
        "import sys, safety_lint.shell, safety_lint.catalogue, safety_lint.lexicon; "
        "print(sorted(m for m in ('markdown_it', 'ruamel.yaml', 'typer', 'difflib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ("$ kubectl apply -f x", ("kubectl", "apply", "-f", "x")),
        ("% terraform apply", ("terraform", "apply")),
        ("PS C:\\> Restart-Service W3SVC", ("Restart-Service", "W3SVC")),
        ("deploy@web-1:~$ sudo systemctl restart app", ("systemctl", "restart", "app")),
        ("(venv) me@laptop:~/src$ alembic upgrade head", ("alembic", "upgrade", "head")),
        ("$HOME/bin/deploy prod", ("$HOME/bin/deploy", "prod")),
    ],
)
def test_console_prompts_are_not_the_command(line: str, argv: tuple[str, ...]) -> None:
    assert argvs(line) == [argv]


def test_commands_inside_a_loop_are_marked() -> None:
    script = (
        "for ns in a b; do kubectl -n $ns rollout restart deploy/x; done\n"
        "while read h; do\n  ssh $h 'sudo systemctl restart app'\ndone < hosts.txt\n"
        "kubectl get pods"
    )
    assert [(i.argv[0], i.in_loop) for i in split_script(script)] == [
        ("kubectl", True),
        ("read", True),
        ("ssh", True),
        ("kubectl", False),
    ]
    [nested] = split_script("for x in 1 2; do bash -c 'kubectl delete pod $x'; done")
    assert nested.in_loop and nested.nested
