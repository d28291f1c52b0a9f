"""Plain-language steps: each lexicon language with an instruction and a description, the
confirmation-gate category, and a team pack that adds phrases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety_lint.catalogue import CatalogueError
from safety_lint.lexicon import default_lexicons, load_lexicons, match_gates, match_steps

# (language, sentence, verb, object, target)
STEPS = [
    ("en", "Deploy the service to production.", "deploy", "service", "production"),
    (
        "en",
        "This agent deploys a tagged release of the ingestion service.",
        "deploy",
        "release",
        None,
    ),
    ("en", "Roll back the deployment on the prod cluster.", "rollback", "deployment", "production"),
    (
        "en",
        "Handles deployments to production for the billing service.",
        "deploy",
        "service",
        "production",
    ),
    ("ru", "Разверни сервис в production.", "deploy", "service", "production"),
    (
        "ru",
        "Агент разворачивает приложение на боевом кластере.",
        "deploy",
        "application",
        "production",
    ),
    ("ru", "Перезапусти поды в кластере.", "restart", "pod", None),
    ("de", "Rolle den Dienst in Produktion aus.", "deploy", "service", "production"),
    (
        "de",
        "Der Agent stellt die Anwendung in der Produktivumgebung bereit.",
        "deploy",
        "application",
        "production",
    ),
    ("de", "In Produktion ausrollen.", "deploy", None, "production"),
    ("fr", "Déployer en production.", "deploy", None, "production"),
    ("fr", "Cet agent déploie le service en production.", "deploy", "service", "production"),
    ("fr", "Supprime la base de données de staging.", "delete", "database", "staging"),
    ("es", "Desplegar en producción.", "deploy", None, "production"),
    (
        "es",
        "El agente despliega la aplicación en el entorno productivo.",
        "deploy",
        "application",
        "production",
    ),
    ("es", "Reinicia el servicio en producción.", "restart", "service", "production"),
    ("zh", "部署到生产环境", "deploy", None, "production"),
    ("zh", "该代理负责将服务部署到线上。", "deploy", "service", "production"),
    ("zh", "回滚生产环境的服务", "rollback", "service", "production"),
    ("ja", "本番環境にデプロイする", "deploy", None, "production"),
    (
        "ja",
        "このエージェントはサービスを本番にリリースします。",
        "release",
        "service",
        "production",
    ),
    ("ja", "データベースのマイグレーションを実行する", "migrate", "database", None),
    ("pt", "Implante o serviço em produção.", "deploy", "service", "production"),
    ("pt", "O agente desliga o servidor de produção.", "stop", "server", "production"),
    ("it", "Rilascia il servizio in produzione.", "deploy", "service", "production"),
    (
        "it",
        "L'agente cancella la tabella nel database di produzione.",
        "delete",
        "table",
        "production",
    ),
    ("ko", "서비스를 운영 환경에 배포한다", "deploy", "service", "production"),
    (
        "ko",
        "이 에이전트는 프로덕션 데이터베이스를 롤백합니다.",
        "rollback",
        "database",
        "production",
    ),
]


@pytest.mark.parametrize(("language", "sentence", "verb", "obj", "target"), STEPS)
def test_steps_per_language(
    language: str, sentence: str, verb: str, obj: str | None, target: str | None
) -> None:
    matches = match_steps(sentence, default_lexicons())
    assert matches, sentence
    first = matches[0]
    assert (first.language, first.verb, first.object, first.target) == (language, verb, obj, target)
    assert first.effect == "mutating"
    assert sentence[first.start : first.end]


@pytest.mark.parametrize(
    "sentence",
    [
        "Read the release notes.",
        "удалённый сервер доступен по SSH",
        "See the product page.",
        "Die Dokumentation ist produktiv nutzbar.",
    ],
)
def test_no_step_where_there_is_no_verb(sentence: str) -> None:
    assert [m for m in match_steps(sentence, default_lexicons()) if m.effect == "mutating"] == []


def test_bare_verb_is_unknown_mutating_and_weak_verb_unknown() -> None:
    [deploy] = match_steps("Deploy confidently.", default_lexicons())
    assert (deploy.verb, deploy.effect) == ("deploy", "unknown-mutating")
    [remove] = match_steps("Remove unused imports.", default_lexicons())
    assert (remove.verb, remove.effect) == ("delete", "unknown")


def test_local_target_is_not_a_live_change() -> None:
    [m] = match_steps("Run the service locally and deploy it to your machine.", default_lexicons())[
        -1:
    ]
    assert m.target == "local" and m.effect == "unknown-mutating"


def test_object_and_target_must_be_in_the_same_sentence() -> None:
    matches = match_steps("Deploy it. The production database is large.", default_lexicons())
    assert [(m.verb, m.object, m.target) for m in matches] == [("deploy", None, None)]


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        (
            "en",
            "Explicit confirmation for state-changing operations: delete pod, scale, apply manifests.",
        ),
        ("en", "Always ask for confirmation before restarting anything."),
        ("en", "Every state-changing operation needs the user's go-ahead."),
        ("ru", "Получи подтверждение перед удалением ресурсов."),
        ("ru", "Требуется явное подтверждение для операций, изменяющих состояние."),
        ("de", "Zustandsändernde Operationen erfordern eine ausdrückliche Bestätigung."),
        ("fr", "Demander confirmation avant toute suppression."),
        ("es", "Pide confirmación antes de eliminar recursos."),
        ("zh", "删除或扩容前需要用户确认。"),
        ("ja", "状態を変更する操作は実行前に確認してください。"),
        ("pt", "Peça confirmação antes de excluir recursos."),
        ("it", "Chiedi conferma prima di eliminare risorse."),
        ("ko", "상태를 변경하는 작업은 실행 전 확인이 필요합니다."),
    ],
)
def test_confirmation_gates(language: str, sentence: str) -> None:
    gates = match_gates(sentence, default_lexicons())
    assert language in {g.language for g in gates}, gates


def test_no_gate_in_ordinary_prose() -> None:
    assert (
        match_gates("Confirm that the tests pass, then open a pull request.", default_lexicons())
        == []
    )


def test_team_pack_adds_phrases_and_keeps_the_rest() -> None:
    from ruamel.yaml import YAML

    from safety_lint.catalogue_schema import bundled_file

    builtin = YAML(typ="safe").load(bundled_file("lexicons.yaml").read_text(encoding="utf-8"))
    team = {
        "lexicons": {
            "verbs": ["hotfix"],
            "languages": {
                "en": {"verbs": {"hotfix": ["hotfix", "hotfixes"], "deploy": ["ship it"]}},
                "pt": {
                    "verbs": {"deploy": ["implante", "implantar"]},
                    "targets": {"production": ["produção"]},
                },
            },
        }
    }
    lexicons = load_lexicons([builtin, team], ["builtin", "team.yaml"])
    assert match_steps("Hotfix the service.", lexicons)[0].verb == "hotfix"
    assert match_steps("Ship it to production.", lexicons)[0].verb == "deploy"
    assert match_steps("Implante o serviço em produção.", lexicons)[0].target == "production"
    assert match_steps("Deploy the service to production.", lexicons)[0].verb == "deploy"


def test_unknown_id_names_the_file_and_the_closest_id() -> None:
    team = {"lexicons": {"languages": {"en": {"verbs": {"deplyo": ["ship"]}}}}}
    with pytest.raises(CatalogueError) as err:
        load_lexicons([{"lexicons": {"verbs": ["deploy"]}}, team], ["builtin", "team.yaml"])
    assert err.value.source == "team.yaml" and err.value.hint == "deploy"


def test_unknown_key_is_reported_with_a_suggestion() -> None:
    with pytest.raises(CatalogueError) as err:
        load_lexicons([{"lexicons": {"languages": {"en": {"verb": {}}}}}], ["team.yaml"])
    assert "unknown key 'verb'" in str(err.value) and err.value.hint == "verbs"


def test_every_language_has_each_category() -> None:
    for language in default_lexicons().languages:
        assert all(language.counts[c] > 0 for c in ("verbs", "objects", "targets", "gates")), (
            language.code
        )
    assert {lang.code for lang in default_lexicons().languages} >= {
        "en",
        "ru",
        "de",
        "fr",
        "es",
        "zh",
        "ja",
    }


def test_hostile_text_is_bounded() -> None:
    match_steps("deploy " * 50_000, default_lexicons())
    match_gates("never " * 50_000, default_lexicons())


@pytest.mark.parametrize(
    "sentence",
    [
        "Apply the same standards to test code as production code.",
        "Every component is designed for scale and production-ready.",
        "Write migration scripts with a rollback plan.",
        "Keep documentation in sync with code changes.",
        "Human Resources: team scaling needs.",
    ],
)
def test_topic_words_and_nouns_are_not_steps(sentence: str) -> None:
    assert [m for m in match_steps(sentence, default_lexicons()) if m.effect == "mutating"] == []


def test_a_word_shared_with_english_is_not_read_as_french() -> None:
    # "migration" and "version" are English too; French lists only its verb forms.
    assert match_steps("if migration.version == version:", default_lexicons()) == []


def test_scale_with_an_object_is_a_step() -> None:
    [m] = match_steps("Scale the deployment to 5 replicas in production.", default_lexicons())
    assert (m.verb, m.object, m.target, m.effect) == (
        "scale",
        "deployment",
        "production",
        "mutating",
    )


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("deploy удали 本番デプロイ production … * . \n")),
        max_size=120,
    )
)
def test_match_never_raises(text: str) -> None:
    for m in match_steps(text, default_lexicons()):
        assert 0 <= m.start < m.end <= len(text)
    match_gates(text, default_lexicons())


def test_german_separable_perform_deployment() -> None:
    [m] = match_steps(
        "Der Agent führt Deployments des Dienstes in Produktion durch.", default_lexicons()
    )
    assert (m.language, m.verb, m.target, m.effect) == ("de", "deploy", "production", "mutating")
