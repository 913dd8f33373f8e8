"""The demo observatory, loaded small: what `make demo` builds works end to end — and the confidentiality audit
runs over it (issue 10: "the audit runs in the tests over the demo")."""

from __future__ import annotations

import datetime as dt

import pytest

from atalaya.cli.demo import NEIGHBOURS, load_demo
from atalaya.geo.models import Municipality
from atalaya.indicators import services
from atalaya.indicators.disclosure import audit_portal
from atalaya.indicators.models import Indicator, PublicValue

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_demo_loads_compares_neighbours_and_publishes_nothing_derivable(tmp_path):
    load_demo(scale=0.05, years=1, output=tmp_path / "demo")
    assert Municipality.objects.count() == 2 + len(NEIGHBOURS)
    from atalaya.programmes.models import Programme
    from atalaya.surveys.models import SurveyDataset

    assert Programme.objects.count() == 4  # a territorial programme and a draft in each municipality
    from atalaya.network.models import Activity, Practice
    from atalaya.network.services import activity_figures

    assert set(Practice.objects.values_list("status", flat=True)) == {
        "borrador",
        "enviada",
        "en_revision",
        "publicada",
        "revisada",
    }
    from atalaya.network.models import PublishedPractice

    published = Practice.objects.filter(status__in=["publicada", "revisada", "en_revision"], edition__isnull=False)
    assert PublishedPractice.objects.count() == published.count() > 8  # every practice once published
    proximity = PublishedPractice.objects.get(code="proximidad-social")
    assert proximity.adoptions[0]["municipality"] == "Peñalolén" and len(proximity.documents) == 1
    from atalaya.network.models import TransferDocument

    assert TransferDocument.objects.filter(transfer__model_name__startswith="Modelo de policía").count() == 1
    from atalaya.publication.models import Bulletin, Report

    assert set(Report.objects.values_list("kind", flat=True)) == {"diagnostico", "boletin"}
    assert Report.objects.filter(kind="diagnostico").count() == 2  # one per municipality
    [sent] = Bulletin.objects.filter(municipality__code="15058")
    assert sent.recipients == 1 and sent.sent_at is not None  # the demo's confirmed subscriber
    figures = activity_figures(Activity.objects.all())
    assert (figures["municipalities"], figures["online"]) == (87, 1500)  # the seed's reach, from registrations
    assert (
        SurveyDataset.objects.filter(kind="ensu").count() == 4
        and SurveyDataset.objects.filter(kind="generica").count() == 1
    )
    robbery = Indicator.objects.get(code="robo-con-violencia")
    network = services.network_ranking(Municipality.objects.all(), robbery, "sesnsp")
    assert network.height == 1 + len(NEIGHBOURS)  # Neza and its SESNSP neighbours, ranked on one source
    assert network["rank_best"].min() == 1 and network["rank_worst"].max() == network.height
    assert PublicValue.objects.exists() and PublicValue.objects.filter(count__isnull=True).exists()
    results = audit_portal()
    assert {r.municipality for r in results} == {"15058", "13122"}
    assert all(not r.leaks for r in results), [(r.municipality, r.source, r.described) for r in results if r.leaks]
    exposed_by_primary_alone = sum(len(r.leaks) for r in audit_portal(primary_only=True))
    assert exposed_by_primary_alone > 0  # what the secondary suppression is for
    # The early-warning module has synthetic cases for both municipalities, screened with the example instrument,
    # and the case workers are team members (so their login asks for the second factor the demo printed).
    from django.contrib.auth import get_user_model

    from atalaya.cases.access import visible_cases
    from atalaya.cases.models import Case, Identity, Screening
    from atalaya.core.access import requires_two_factor

    assert set(Case.objects.values_list("municipality__code", flat=True)) == {"15058", "13122"}
    assert Screening.objects.filter(instrument__code="riesgo-nna-ejemplo").count() > 40
    assert set(Screening.objects.values_list("level", flat=True)) >= {"baja", "media"}
    assert Identity.objects.filter(national_id__isnull=False).count() == Case.objects.count()
    worker = get_user_model().objects.get(username="gestora.penalolen")
    assert requires_two_factor(worker)
    assert set(visible_cases(worker).values_list("municipality__code", flat=True)) == {"13122"}
    # Every step of the workflow appears somewhere, so that every page shows something.
    from atalaya.cases.models import Approval, FollowUp, Transition
    from atalaya.cases.stages import compute_stage

    assert set(Transition.objects.filter(kind="derivacion").values_list("status", flat=True)) == {
        "en_curso",
        "aceptada",
        "rechazada",
        "realizada",
        "revocada",
    }
    assert Transition.objects.filter(consent_overridden=True).exists()
    assert Transition.objects.filter(kind="transferencia", status="en_curso").exists()
    assert set(Approval.objects.values_list("status", flat=True)) == {"pendiente", "aprobada", "devuelta"}
    assert FollowUp.objects.filter(done_at__isnull=True, due_date__lt=dt.date.today()).exists()
    assert Case.objects.filter(owner__isnull=True, escalated_at__isnull=False).exists()
    stages = set(Case.objects.values_list("stage", flat=True))
    assert {"nuevo", "evaluacion", "plan", "servicios", "cerrado", "reabierto"} <= stages, stages
    assert all(case.stage == compute_stage(case) for case in Case.objects.all())
    # Community problems in every state, from every source, with duplicates merged, private ones kept out of the
    # public tables, and a problem made from an alert.
    from atalaya.proximity.models import Problem, PublicProblem

    assert set(Problem.objects.values_list("municipality__code", flat=True)) == {"15058", "13122"}
    assert set(Problem.objects.values_list("status", flat=True)) == {
        "reportado", "confirmado", "en_analisis", "respuesta_planificada", "en_ejecucion", "evaluado", "cerrado",
    }  # fmt: skip
    assert {"resuelto", "reducido", "no_corresponde", "duplicado"} <= set(
        Problem.objects.values_list("outcome", flat=True)
    )
    from atalaya.alerts.models import Alert

    with_alerts = Alert.objects.filter(municipality__code__in=["15058", "13122"]).exists()  # none at this scale
    sources = {"ciudadano", "policia", "mesa", "open311"} | ({"alerta"} if with_alerts else set())
    assert set(Problem.objects.values_list("source", flat=True)) == sources
    private = Problem.objects.filter(is_private=True)
    assert private.exists() and not PublicProblem.objects.filter(problem__in=private).exists()
    assert PublicProblem.objects.count() == Problem.objects.filter(is_private=False).count()
    from atalaya.proximity.models import Assessment, ResponseAction, SaraFile

    assert SaraFile.objects.exclude(hypotheses="").exists() and ResponseAction.objects.filter(status="hecha").exists()
    assert Assessment.objects.exists()
    from atalaya.proximity.models import Agreement, MesaSession

    assert set(Agreement.objects.values_list("status", flat=True)) == {
        "pendiente",
        "en_curso",
        "cumplido",
        "incumplido",
        "cancelado",
    }
    assert MesaSession.objects.filter(kind="convocatoria_agil").exists()
    assert MesaSession.objects.filter(minutes_status="aprobada").exists()
