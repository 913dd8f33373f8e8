"""Neighbours follow (double opt-in, a stop link in every message) and comment (published only when approved),
rate-limited; nothing of it reaches a public page before it should."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from atalaya.core.testing import login_as
from atalaya.proximity import services
from atalaya.proximity.choices import Status
from atalaya.proximity.models import Comment, Follower

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_follow_confirm_receive_and_stop(report, admin_user, django_capture_on_commit_callbacks):
    problem = report(title="Plaza oscura")
    public = Client()
    target = f"problema:{problem.reference}"
    with django_capture_on_commit_callbacks(execute=True):
        public.post("/publico/15058/seguir/", {"target": target, "email": "Vecina@Example.org"})
    assert len(mail.outbox) == 1 and "confirme" in mail.outbox[0].body.lower()
    follower = Follower.objects.get()
    assert follower.email == "vecina@example.org" and follower.confirmed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(problem, to=Status.CONFIRMED, user=admin_user, text="Se revisó")
    assert len(mail.outbox) == 1  # not confirmed: nothing but the confirmation
    token = re.search(r"/seguir/([\w-]+)/", mail.outbox[0].body).group(1)
    assert "Listo" in public.get(f"/publico/15058/seguir/{token}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(problem, to=Status.ANALYSIS, user=admin_user, text="Datos del lugar")
        services.change_status(problem, to=Status.PLANNED, user=admin_user, text="Interno", is_public=False)
    news = [m for m in mail.outbox if "Novedades" in m.subject]
    assert len(news) == 1 and "Datos del lugar" in news[0].body and "Interno" not in news[0].body
    stop = re.search(r"/dejar-de-seguir/([\w-]+)/", news[0].body).group(1)
    asked = public.get(f"/publico/15058/dejar-de-seguir/{stop}/").content.decode()
    assert "¿Dejar de recibir los avisos?" in asked and Follower.objects.exists()  # a mail client's visit stops nothing
    assert "No recibirá más avisos" in public.post(f"/publico/15058/dejar-de-seguir/{stop}/").content.decode()
    assert not Follower.objects.exists()


def test_following_twice_does_not_say_so_and_private_things_cannot_be_followed(
    report, django_capture_on_commit_callbacks
):
    problem = report()
    secret = report(title="Casa", is_private=True)
    public = Client()
    for _ in range(2):
        response = public.post(
            "/publico/15058/seguir/", {"target": f"problema:{problem.reference}", "email": "a@b.cl"}, follow=True
        )
        assert "Le enviamos un correo" in response.content.decode()
    assert Follower.objects.count() == 1
    response = public.post(
        "/publico/15058/seguir/", {"target": f"problema:{secret.reference}", "email": "a@b.cl"}, follow=True
    )
    assert "No hay nada público" in response.content.decode() and Follower.objects.count() == 1


def test_comments_wait_for_moderation(report, make_user, client):
    problem = report()
    public = Client()
    url = f"/publico/15058/problemas/{problem.reference}/"
    public.post(
        "/publico/15058/comentar/",
        {"target": f"problema:{problem.reference}", "text": "<b>Sigue oscuro</b>", "author": "Rosa", "next": url},
    )
    public.post(
        "/publico/15058/comentar/", {"target": f"problema:{problem.reference}", "text": "Insulto a Fulano", "next": url}
    )
    assert "Sigue oscuro" not in public.get(url).content.decode()
    coordinator = make_user("coordinadora", ["15058"], "analyst")
    login_as(client, coordinator)
    page = client.get("/proximidad/15058/comentarios/").content.decode()
    assert "&lt;b&gt;Sigue oscuro&lt;/b&gt;" in page
    good, bad = Comment.objects.order_by("pk")
    client.post("/proximidad/15058/comentarios/", {"comment": good.pk, "decision": "aprobar"})
    client.post("/proximidad/15058/comentarios/", {"comment": bad.pk, "decision": "rechazar"})
    shown = public.get(url).content.decode()
    assert "&lt;b&gt;Sigue oscuro&lt;/b&gt;" in shown and "Rosa" in shown and "Fulano" not in shown
    viewer = make_user("consulta", ["15058"], "viewer")
    client.logout()
    login_as(client, viewer)
    assert client.get("/proximidad/15058/comentarios/").status_code == 403


def test_comments_and_follows_are_rate_limited_and_robots_kept_out(report):
    problem = report()
    public = Client()
    target = f"problema:{problem.reference}"
    public.post("/publico/15058/comentar/", {"target": target, "text": "spam", "website": "http://x"})
    assert not Comment.objects.exists()
    for i in range(6):
        public.post("/publico/15058/comentar/", {"target": target, "text": f"comentario {i}"})
    assert Comment.objects.count() == 5
    for i in range(11):
        public.post("/publico/15058/seguir/", {"target": target, "email": f"p{i}@example.org"})
    assert Follower.objects.count() == 10


def test_agreement_followers_hear_of_its_progress(neza, admin_user, django_capture_on_commit_callbacks):
    import datetime as dt

    from atalaya.proximity import mesas, participation
    from atalaya.proximity.models import Mesa

    mesa = Mesa.objects.create(municipality=neza, name="Mesa centro")
    agreement = mesas.add_agreement(
        mesa, title="Poda de árboles", owner="A", institution="Municipio", deadline=dt.date(2030, 1, 1), user=admin_user
    )
    follower = participation.follow(neza, f"acuerdo:{agreement.pk}", "vecino@example.org")
    participation.confirm(follower.token)
    with django_capture_on_commit_callbacks(execute=True):
        mesas.update_agreement(agreement, status="en_curso", progress=30, user=admin_user, text="Empezó la poda")
    assert any("Empezó la poda" in m.body and m.to == ["vecino@example.org"] for m in mail.outbox)
