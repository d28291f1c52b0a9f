"""The tool catalogue: each family with a mutating and a reading command, SQL statements,
generic verbs, targets."""

from __future__ import annotations

import pytest

from safety_lint.catalogue import (
    Action,
    analyse_script,
    default_catalogue,
    is_local,
    is_production,
)


def one(command: str) -> Action:
    actions = analyse_script(command, default_catalogue())
    assert len(actions) == 1, actions
    return actions[0]


# (family, mutating command, reading command)
FAMILIES = [
    ("kubernetes", "kubectl --context acme-prd -n payments apply -f k8s/", "kubectl -n x get pods"),
    ("kubernetes", "oc rollout restart deploy/api", "oc describe pod x"),
    ("helm", "helm -n x upgrade app ./chart", "helm -n x status app"),
    ("kustomize", None, "kustomize build overlays/prod"),
    ("argocd", "argocd app sync payments", "argocd app diff payments"),
    ("flux", "flux reconcile kustomization apps", "flux get kustomizations"),
    ("terraform", "terraform -chdir=infra apply -auto-approve", "terraform -chdir=infra plan"),
    ("terraform", "tofu destroy", "tofu validate"),
    ("terraform", "terragrunt run-all apply", "terragrunt run-all plan"),
    ("pulumi", "pulumi up --stack prod --yes", "pulumi preview --stack prod"),
    ("cdk", "cdk deploy --all", "cdk synth"),
    ("serverless", "serverless deploy --stage prod", "serverless package"),
    ("sam", "sam deploy --config-env prod", "sam build"),
    ("aws", "aws --profile prod s3 rm s3://bucket/x --recursive", "aws s3 ls s3://bucket"),
    ("aws", "aws s3 sync ./dist s3://site", "aws s3 cp s3://bucket/report.csv ."),
    (
        "aws",
        "aws cloudformation deploy --stack-name x --template-file t.yaml",
        "aws cloudformation describe-stacks",
    ),
    (
        "aws",
        "aws lambda update-function-code --function-name f --zip-file fileb://f.zip",
        "aws lambda list-functions",
    ),
    (
        "aws",
        "aws ecs update-service --cluster prod --service api --force-new-deployment",
        "aws ecs describe-services --cluster prod",
    ),
    (
        "gcloud",
        "gcloud run deploy api --project acme-prod --image x",
        "gcloud run services list --project acme-prod",
    ),
    (
        "gcloud",
        "gcloud compute instances delete vm-1 --zone z",
        "gcloud compute instances describe vm-1",
    ),
    ("gsutil", "gsutil rm -r gs://bucket/old", "gsutil ls gs://bucket"),
    ("gsutil", "gsutil cp backup.tar gs://backups/", "gsutil cp gs://backups/x.tar ."),
    (
        "azure",
        "az webapp deploy -g rg-prod -n app --src-path app.zip",
        "az webapp show -g rg-prod -n app",
    ),
    ("docker", "docker push registry.example.com/app:1.2", "docker build -t app ."),
    ("docker", "docker --context prod run -d app", "docker ps -a"),
    ("docker", "docker compose -f docker-compose.prod.yml up -d", "docker compose logs -f"),
    (
        "docker-compose",
        "docker-compose -f docker-compose.production.yml up -d",
        "docker-compose ps",
    ),
    ("systemd", "sudo systemctl start postgresql", "systemctl status postgresql"),
    ("systemd", "sudo service nginx restart", "service nginx status"),
    ("os-packages", "sudo apt install -y postgresql", "apt search postgresql"),
    ("os-packages", "sudo yum install -y nginx", "yum list installed"),
    ("os-packages", "apk add --no-cache curl", "apk info"),
    ("firewall", "sudo ufw allow 2222/tcp", "sudo ufw status verbose"),
    ("firewall", "sudo iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "sudo iptables -L -n"),
    ("firewall", "sudo firewall-cmd --permanent --add-port=5432/tcp", "firewall-cmd --list-all"),
    (
        "postgres",
        "psql \"$DATABASE_URL\" -c 'DROP TABLE users'",
        "psql -h db -c 'SELECT count(*) FROM users'",
    ),
    ("mysql", 'mysql -e "DELETE FROM sessions" app', "mysql -e 'SHOW TABLES' app"),
    (
        "sqlite",
        "sqlite3 app.db 'UPDATE users SET admin = 1'",
        "sqlite3 app.db 'SELECT * FROM users'",
    ),
    (
        "bigquery",
        "bq query --use_legacy_sql=false 'DELETE FROM ds.t WHERE true'",
        "bq query 'SELECT 1'",
    ),
    (
        "clickhouse",
        "clickhouse-client --query 'TRUNCATE TABLE events'",
        "clickhouse-client --query 'SELECT 1'",
    ),
    (
        "mongodb",
        "mongosh mongodb://db/app --eval 'db.users.deleteMany({})'",
        "mongosh --eval 'db.users.find()'",
    ),
    ("other-sql", "cqlsh -e 'DROP KEYSPACE ks'", "cqlsh -e 'DESCRIBE KEYSPACES'"),
    ("redis", "redis-cli -h cache FLUSHALL", "redis-cli -h cache GET session:1"),
    ("redis", "redis-cli DEL session:1", "redis-cli KEYS 'session:*'"),
    (
        "kafka",
        "kafka-topics --bootstrap-server b:9092 --delete --topic t",
        "kafka-topics --bootstrap-server b:9092 --list",
    ),
    (
        "kafka",
        "kafka-console-producer --bootstrap-server b:9092 --topic t",
        "kafka-console-consumer --bootstrap-server b:9092 --topic t",
    ),
    (
        "rabbitmq",
        "rabbitmqadmin publish exchange=amq.default routing_key=q payload=x",
        "rabbitmqadmin list queues",
    ),
    ("rabbitmq", "rabbitmqctl delete_queue jobs", "rabbitmqctl list_queues"),
    ("firebase", "firebase deploy --only hosting -P prod", "firebase emulators:start"),
    ("firebase", "firebase firestore:delete --recursive /users", "firebase projects:list"),
    ("vercel", "vercel deploy --prod", "vercel logs app.vercel.app"),
    ("netlify", "netlify deploy --prod --dir dist", "netlify status"),
    ("fly", "flyctl deploy -a acme-api", "fly status -a acme-api"),
    ("railway", "railway up", "railway logs"),
    ("kamal", "kamal deploy -d production", "kamal app logs"),
    ("heroku", "heroku ps:scale web=2 -a acme-prod", "heroku logs --tail -a acme-prod"),
    ("render", "render deploys create srv-123", "render services list"),
    ("elastic-beanstalk", "eb deploy production", "eb status production"),
    ("gh", "gh release create v1.2.3 --notes x", "gh release view v1.2.3"),
    ("gh", "gh workflow run deploy.yml -f env=prod", "gh run list"),
    ("git", "git push origin v1.2.3", "git status"),
    ("git", "git push --tags", "git log --oneline"),
    ("dbt", "dbt run --target prod", "dbt compile --target prod"),
    ("dbt", "dbt seed", "dbt test"),
    (
        "ansible",
        "ansible-playbook -i inventories/prod site.yml",
        "ansible-playbook -i inventories/prod site.yml --check",
    ),
    ("ansible", "ansible all -b -m shell -a 'systemctl restart app'", "ansible all -m ping"),
    ("node-packages", "npm publish --access public", "npm install"),
    ("node-packages", "pnpm publish", "pnpm run build"),
    ("python-packages", "twine upload dist/*", "pip install -r requirements.txt"),
    ("python-packages", "poetry publish --build", "poetry cache clear --all pypi"),
    ("other-packages", "cargo publish", "cargo build --release"),
    ("other-packages", "gem push acme-1.0.gem", "gem build acme.gemspec"),
    ("migrations", "alembic -x env=prod upgrade head", "alembic current"),
    ("migrations", "flyway -url=jdbc:postgresql://db/app migrate", "flyway info"),
    ("migrations", "liquibase update", "liquibase status"),
    ("migrations", "prisma migrate deploy", "prisma migrate status"),
    ("migrations", "knex migrate:latest", "knex migrate:status"),
    ("migrations", "sequelize db:migrate", "sequelize db:migrate:status"),
    ("migrations", "atlas migrate apply --env prod", "atlas migrate status --env prod"),
    (
        "goose",
        'goose -dir db postgres "$DATABASE_URL" up',
        'goose -dir db postgres "$DATABASE_URL" status',
    ),
    ("rails", "bundle exec rails db:migrate", "bundle exec rails routes"),
    ("rails", "rake db:rollback", "rake db:migrate:status"),
    ("django", "python manage.py migrate", "python manage.py check --deploy"),
    ("php-artisan", "php artisan migrate --force", "php artisan migrate:status"),
    (
        "ssh",
        "ssh deploy@prod-web-1 'sudo systemctl restart app'",
        "ssh deploy@prod-web-1 'uptime && df -h'",
    ),
    (
        "remote-copy",
        "rsync -avz dist/ deploy@web.acme.io:/var/www/app",
        "rsync -avz web:/var/log/app ./logs",
    ),
    ("remote-copy", "scp app.tar deploy@web:/srv/", "scp web:/srv/app.log ."),
    ("find", "find /var/log -name '*.gz' -mtime +30 -delete", "find . -name '*.pyc' -delete"),
    ("files", "sudo rm -rf /var/www/releases/old", "rm -rf node_modules build"),
    (
        "files",
        "echo 'host all all 10.0.0.0/8 md5' | sudo tee -a /etc/postgresql/16/main/pg_hba.conf",
        "cp .env.example .env",
    ),
    ("cron", "crontab -e", "crontab -l"),
    ("certbot", "sudo certbot renew", "certbot certificates"),
    ("web-servers", "sudo nginx -s reload", "sudo nginx -t"),
    (
        "cloud-api-clis",
        "aliyun ecs DeleteInstance --InstanceId i-1",
        "aliyun ecs DescribeInstances --RegionId cn-hangzhou",
    ),
    (
        "cloud-api-clis",
        "oci compute instance terminate --instance-id x",
        "oci compute instance list",
    ),
    ("cloud-api-clis", "hcloud server delete web-1", "hcloud server list"),
    ("google-workspace", "gws gmail +send --to a@example.com", "gws gmail users messages list"),
    ("cloud-api-clis", "aliyun rds UpgradeDBInstanceEngineVersion", "aliyun upgrade"),
    ("object-storage", "s3cmd del s3://bucket/x", "s3cmd ls s3://bucket"),
    ("secrets-and-config", "vault kv put secret/app key=value", "vault kv get secret/app"),
    ("secrets-and-config", "etcdctl del /config/x", "etcdctl get /config/x"),
    ("schedulers", "nomad job run api.nomad", "nomad job status api"),
    ("schedulers", "eksctl delete cluster --name prod", "eksctl get cluster"),
    ("kube-deployers", "skaffold run -p prod", "skaffold dev"),
    ("edge-platforms", "wrangler deploy --env production", "wrangler dev"),
    ("edge-platforms", "supabase db reset --linked", "supabase db reset"),
    ("edge-platforms", "cf push myapp", "cf logs myapp"),
    ("process-managers", "pm2 restart api", "pm2 logs api"),
    ("power", "sudo reboot", "shutdown --help"),
    ("task-queues", "celery -A app purge", "celery -A app inspect active"),
    ("payments-saas", "stripe customers delete cus_123", "stripe customers list"),
    ("ci-release", "glab release create v1.0", "glab mr list"),
    (
        "other-sql",
        "cypher-shell 'MATCH (n) DETACH DELETE n'",
        "cypher-shell 'MATCH (n) RETURN n LIMIT 5'",
    ),
    (
        "aws",
        "aws athena start-query-execution --query-string 'DROP TABLE t'",
        "aws athena start-query-execution --query-string 'SELECT 1'",
    ),
    ("http", None, "curl -fsSL https://example.com/install.sh"),
    ("shell-basics", None, "grep -rn TODO src/"),
    ("powershell", "Restart-Service -Name W3SVC", "Get-Service -Name W3SVC"),
    ("ansible-tools", None, "ansible-lint site.yml"),
    ("doctl", "doctl apps create-deployment 123", "doctl apps list"),
    ("doctl", "doctl compute droplet delete web-1", "doctl compute droplet list"),
    ("image-builders", "nixos-rebuild switch --target-host prod-1", "packer validate ."),
    ("mysql-admin", "mysqladmin -h db drop app", "mysqldump -h db app"),
    ("postgres-admin", "dropdb -h db.prod app", "pg_dump -h db.prod app"),
    ("nats", "nats stream rm ORDERS", "nats stream ls"),
    ("registry-tools", "crane copy a/b:1 c/d:1", "crane manifest a/b:1"),
    ("release-tools", "npx semantic-release", "npx semantic-release --help"),
    ("task-runners", None, "make build"),
    (
        "powershell",
        "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile t.json",
        "Get-AzResourceGroup",
    ),
    (
        "other-sql",
        "Invoke-Sqlcmd -ServerInstance db -Query 'DELETE FROM t'",
        "Invoke-Sqlcmd -ServerInstance db -Query 'SELECT 1'",
    ),
]


@pytest.mark.parametrize(("family", "mutating", "reading"), FAMILIES)
def test_family_mutating_and_reading(family: str, mutating: str | None, reading: str) -> None:
    if mutating is not None:
        action = analyse_script(mutating, default_catalogue())[-1]
        assert (action.family, action.effect) == (family, "mutating"), action
    action = analyse_script(reading, default_catalogue())[-1]
    assert (action.family, action.effect) == (family, "reading"), action


@pytest.mark.parametrize(
    ("statement", "subcommand", "effect"),
    [
        ("DROP TABLE users", "DROP TABLE", "mutating"),
        ("drop materialized view v", "DROP VIEW", "mutating"),
        ("DELETE FROM users WHERE id = 1", "DELETE", "mutating"),
        ("UPDATE users SET name = 'x'", "UPDATE", "mutating"),
        ("INSERT INTO users VALUES (1)", "INSERT", "mutating"),
        ("TRUNCATE TABLE events", "TRUNCATE TABLE", "mutating"),
        ("ALTER TABLE users ADD COLUMN x int", "ALTER TABLE", "mutating"),
        ("CREATE INDEX i ON t (x)", "CREATE INDEX", "mutating"),
        ("GRANT SELECT ON t TO bob", "GRANT", "mutating"),
        ("WITH old AS (SELECT id FROM t) DELETE FROM t USING old", "DELETE", "mutating"),
        ("SELECT * FROM users WHERE status = 'DELETE'", "SELECT", "reading"),
        ("SHOW TABLES", "SHOW", "reading"),
        ("EXPLAIN ANALYZE SELECT 1", "EXPLAIN", "reading"),
        ("DESCRIBE users", "DESCRIBE", "reading"),
        ("-- DROP TABLE x\nSELECT 1", "SELECT", "reading"),
        ("SELECT 1; DROP TABLE users", "DROP TABLE", "mutating"),
    ],
)
def test_sql_statements(statement: str, subcommand: str, effect: str) -> None:
    action = one(f"psql -h db -c {statement!r}".replace("\\n", "\n"))
    assert (action.subcommand, action.effect) == (subcommand, effect)


def test_sql_in_a_heredoc() -> None:
    action = one('psql "$DATABASE_URL" <<SQL\nBEGIN;\nDELETE FROM sessions;\nCOMMIT;\nSQL')
    assert action.effect == "mutating" and action.subcommand == "DELETE"


def test_sql_script_file_is_unknown_mutating() -> None:
    assert one("psql -f migrate.sql").effect == "unknown-mutating"


def test_redis_commands_from_a_here_string() -> None:
    assert one("redis-cli -h cache <<< 'FLUSHDB'").effect == "mutating"


@pytest.mark.parametrize(
    "command",
    [
        "kamalx deploy",
        "acmectl rollout web",
        "./scripts/release.sh 1.2.3 production",
        "./scripts/deploy-prod.sh",
        "ship-it",
        "opsctl purge-cache",
        "npm run deploy:prod",
        "make deploy ENV=prod",
        "just release",
        "cap production deploy",
    ],
)
def test_generic_verbs_make_unknown_tools_unknown_mutating(command: str) -> None:
    assert one(command).effect == "unknown-mutating"


@pytest.mark.parametrize(
    "command",
    ["acmectl status", "./scripts/report.sh", "make test", "npm run build", "echo deploy done"],
)
def test_unknown_tools_without_verbs_are_not_mutating(command: str) -> None:
    assert one(command).effect in ("unknown", "reading")


@pytest.mark.parametrize(
    ("command", "targets"),
    [
        ("kubectl --context acme-prd -n payments apply -f k8s/", ("acme-prd", "payments")),
        ("helm upgrade app ./c --kube-context=prod-eu-1", ("prod-eu-1",)),
        ("alembic -x env=prod upgrade head", ("prod",)),
        ("dbt run --target prod", ("prod",)),
        ("./deploy.sh -e production", ("production",)),
        ("eb deploy production", ("production",)),
        ("./scripts/release.sh <version> <environment>", ("<environment>",)),
        ("RAILS_ENV=production rake db:migrate", ("production",)),
        ("make deploy ENV=staging", ("staging",)),
        ("vercel deploy --prod", ("production",)),
        (
            "psql postgres://app@db.prod.internal/app -c 'DELETE FROM t'",
            ("postgres://app@db.prod.internal/app",),
        ),
        ("ssh deploy@web-1 'sudo systemctl restart app'", ("web-1",)),
        ("dbt test", ()),
        ("kubectl apply -f k8s/overlays/prod/", ("k8s/overlays/prod/",)),
        ("helm upgrade app ./c --values values-prd.yaml", ("values-prd.yaml",)),
        ("git commit -m 'fix the prod bug'", ()),
    ],
)
def test_targets(command: str, targets: tuple[str, ...]) -> None:
    assert one(command).targets == targets


def test_scope_is_the_tools_own_fan_out() -> None:
    assert one("kubectl delete pods --all -n jobs").scope_all
    assert one("kubectl -A rollout restart deploy").scope_all
    assert one("terragrunt run-all apply").scope_all
    assert not one("kubectl wait --all --for=condition=ready pod").scope_all
    assert not one("poetry cache clear --all pypi").scope_all


def test_dry_run_reads() -> None:
    action = one("kubectl apply --dry-run=client -f x")
    assert action.effect == "reading" and action.rule_id == "kubernetes.apply.dry-run"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("prod", True),
        ("production", True),
        ("acme-prd", True),
        ("prod-eu-1", True),
        ("gke_acme_us_prod", True),
        ("postgres://db.prod.internal/app", True),
        ("PROD", True),
        ("live", True),
        ("product", False),
        ("produce", False),
        ("productivity", False),
        ("staging", False),
        ("prodigy", False),
        ("livestream", False),
    ],
)
def test_is_production(value: str, expected: bool) -> None:
    assert is_production(value, default_catalogue().production) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("postgres://localhost:5432/x", True),
        ("kind-dev", True),
        ("minikube", True),
        ("dev", True),
        ("test", True),
        ("sandbox", True),
        ("acme-prd", False),
        ("staging", False),
        ("prod-test", False),
        ("db.internal", False),
    ],
)
def test_is_local(value: str, expected: bool) -> None:
    assert is_local(value, default_catalogue()) is expected


@pytest.mark.parametrize(
    ("command", "effect", "rule_id"),
    [
        (
            "kubectl exec -it api-0 -n prod -- psql -c 'DROP TABLE x'",
            "mutating",
            "kubernetes.exec>postgres.sql.drop",
        ),
        (
            "kubectl exec api-0 -- sh -c 'rm -rf /data/cache'",
            "mutating",
            "kubernetes.exec>files.system-path",
        ),
        (
            "kubectl exec -it api-0 -- cat /etc/hosts",
            "reading",
            "kubernetes.exec>shell-basics.default",
        ),
        ("kubectl exec -it api-0 -- bash", "unknown-mutating", "kubernetes.exec"),
        (
            "gcloud compute ssh vm-1 --zone z --command 'sudo systemctl restart nginx'",
            "mutating",
            "gcloud.compute-ssh>systemd.restart",
        ),
        ("heroku run rails db:migrate -a acme-prod", "mutating", "heroku.run>rails.db:migrate"),
        ("fly ssh console -C 'ls /app'", "reading", "fly.ssh-console>shell-basics.default"),
        ("kamal app exec 'bin/rails db:migrate'", "mutating", "kamal.app-exec>rails.db:migrate"),
    ],
)
def test_commands_run_on_the_target_decide(command: str, effect: str, rule_id: str) -> None:
    action = one(command)
    assert (action.effect, action.rule_id) == (effect, rule_id)


@pytest.mark.parametrize(
    ("command", "effect"),
    [
        ("sed -n '1,5p' /etc/nginx/nginx.conf", "reading"),
        ("sudo sed -i 's/#Port 22/Port 2222/' /etc/ssh/sshd_config", "mutating"),
        ("sed -i 's/a/b/' README.md", "reading"),
        ("cp /etc/nginx/nginx.conf ./backup/", "reading"),
        ("sudo cp nginx.conf /etc/nginx/nginx.conf", "mutating"),
        ("sudo vim /etc/postgresql/16/main/pg_hba.conf", "mutating"),
        ("vim src/app.py", "reading"),
        ("sudo useradd deploy", "mutating"),
        ("mkdir -p /tmp/build", "reading"),
        ("rm -rf /var/folders/x/cache", "reading"),
    ],
)
def test_files_change_a_server_only_in_its_system_tree(command: str, effect: str) -> None:
    assert one(command).effect == effect


def test_ssh_host_and_inner_targets() -> None:
    action = one("ssh -i key.pem deploy@prod-web-1 'kubectl --context prod-eu apply -f x'")
    assert action.effect == "mutating"
    assert action.targets == ("prod-web-1", "deploy@prod-web-1", "prod-eu")
    assert one("ssh deploy@web-1").effect == "unknown"


def test_an_api_write_is_unknown_mutating_and_local_apis_read() -> None:
    assert one("curl -X DELETE https://api.example.com/v1/users/1").effect == "unknown-mutating"
    assert one("curl -d '{}' https://hooks.example.com/x").effect == "unknown-mutating"
    assert one("curl -X POST http://localhost:8080/reset").effect == "reading"


@pytest.mark.parametrize(
    ("command", "effect"),
    [
        ("docker run --rm -v x:/w alpine sh -c 'ls'", "unknown"),  # -c of sh, not docker
        ("docker --context prod run -d app", "mutating"),
        ("ffmpeg -i in.wav -af a=1:release=50 out.wav", "unknown"),  # a value, not a verb
        ("droid exec 'migrate the database schema'", "unknown"),
        ("git push origin --delete feature/x", "unknown"),
        ("gh api repos/o/r/issues/1/comments -X POST -f body=x", "unknown"),
        ("gh api repos/o/r/deployments -X POST -f ref=main", "unknown-mutating"),
        ("gh api repos/o/r/pulls", "reading"),
    ],
)
def test_options_and_values_of_other_commands_are_not_evidence(command: str, effect: str) -> None:
    assert one(command).effect == effect


@pytest.mark.parametrize(
    ("command", "effect"),
    [
        ("gws apps-script-push --help", "reading"),
        ("kubectl apply --help", "reading"),
        ("helm upgrade app ./chart --version 1.2.3", "mutating"),
        ("claude sync-status", "unknown"),
        ("opsctl release-plan", "unknown"),
        ("opsctl release-create", "unknown-mutating"),
    ],
)
def test_help_and_query_names_do_not_mutate(command: str, effect: str) -> None:
    assert one(command).effect == effect


def test_prose_lines_in_a_shell_block_are_not_commands() -> None:
    actions = analyse_script("- Apply the fix\n2. Deploy it\nSYNC_SUFFIX + 1", default_catalogue())
    assert [(a.tool, a.effect) for a in actions] == [("sync_suffix", "unknown")]


def test_a_script_claimed_by_a_name_pattern_still_hears_its_verb() -> None:
    assert one("deploy-prod").effect == "unknown-mutating"
    assert one("Set-Location C:/src").effect == "unknown"


def test_parallel_ssh_is_fan_out() -> None:
    action = one("pssh -h hosts.txt 'sudo systemctl restart app'")
    assert action.effect == "unknown-mutating" and action.scope_all


def test_explain_names_line_effect_targets_and_rule() -> None:
    from safety_lint.catalogue import explain

    [action] = analyse_script(
        "kubectl --context acme-prd apply -f x", default_catalogue(), first_line=7
    )
    assert explain(action) == "7: mutating: kubectl apply on acme-prd [kubernetes.apply]"


def test_actions_carry_their_wrappers() -> None:
    [action] = analyse_script("cat pods.txt | xargs -n1 kubectl delete pod", default_catalogue())[
        -1:
    ]
    assert action.effect == "mutating" and action.wrappers == ("xargs",) and not action.nested
    [inner] = analyse_script("sudo bash -c 'systemctl restart app'", default_catalogue())
    assert inner.wrappers == ("sudo", "bash -c") and inner.nested


@pytest.mark.parametrize(
    ("command", "effect"),
    [
        ("go run ./cmd/deploy --env prod", "unknown-mutating"),
        ("cargo run --bin migrate", "unknown-mutating"),
        ("go run ./cmd/server", "unknown"),
        ("go test ./...", "reading"),
    ],
)
def test_programs_run_by_a_build_tool_are_judged_by_name(command: str, effect: str) -> None:
    assert one(command).effect == effect


def test_no_tool_is_claimed_by_two_families_and_no_rule_shadows_another() -> None:
    owners: dict[str, str] = {}
    for family in default_catalogue().families:
        for tool in family.tools:
            assert tool not in owners, (tool, owners.get(tool), family.id)
            owners[tool] = family.id
        seen: dict[tuple[str, ...], str] = {}
        for rule in family.rules:
            if rule.when or rule.unless or rule.effect == "by-name":
                continue
            assert seen.setdefault(rule.pattern, rule.effect) == rule.effect, (
                family.id,
                rule.pattern,
            )


@pytest.mark.parametrize(
    "command",
    ["docker run -d app", "docker compose up -d", "docker-compose down", "sudo docker restart app"],
)
def test_containers_on_this_machine_are_unknown(command: str) -> None:
    assert one(command).effect == "unknown"


def test_an_action_in_a_loop_says_so() -> None:
    [action] = analyse_script(
        "for c in a b; do kubectl --context $c apply -f x; done", default_catalogue()
    )
    assert action.effect == "mutating" and action.in_loop


@pytest.mark.parametrize(
    ("word", "pattern"),
    [
        ("deploy", "deploy*"),
        ("deploy-prod", "deploy*"),
        ("predeploy", "deploy*"),
        ("dep", "deploy*"),
        ("x", "*"),
        ("release-1", "release-?"),
        ("release-12", "release-?"),
        ("db:migrate", "db:[mr]*"),
        ("a*b", "a[*]*"),
    ],
)
def test_subcommand_globs_match_as_fnmatch(word: str, pattern: str) -> None:
    import fnmatch

    from safety_lint.catalogue import _fnmatch

    # A `prefix*` glob is a prefix test (no pattern compiled): the same answer as fnmatch.
    assert _fnmatch(word, pattern) == fnmatch.fnmatchcase(word, pattern)
