"""The demo's publications: each municipality's diagnosis pack for its last two years of data and its bulletin of
the last month (both editions where it publishes), with one confirmed subscriber of Nezahualcóyotl's bulletin."""

from __future__ import annotations

from django.utils import timezone


def load_demo_publications(users: dict, say) -> None:
    from atalaya.analysis.parsing import add_months
    from atalaya.geo.models import Municipality
    from atalaya.indicators.services import available_sources
    from atalaya.proximity import participation
    from atalaya.publication import services

    for code, analyst in (("15058", "analista.neza"), ("13122", "analista.penalolen")):
        municipality = Municipality.objects.get(code=code)
        sources = available_sources(municipality)
        if not sources:
            continue
        end = max(s.last for s in sources if s.point_level)
        report = services.make_diagnosis(municipality, add_months(end, -23), end, users[analyst])
        month = services.last_public_month(municipality) or end
        if code == "15058":
            follower = participation.follow(
                municipality, services.subscription_target(municipality), "suscriptora.boletin@example.org"
            )
            follower.confirmed_at = timezone.now()
            follower.save(update_fields=["confirmed_at"])
        public, _institutional = services.make_bulletin(municipality, month, users[analyst])
        sent = services.send_bulletin(public) if public is not None else 0
        say(
            f"  publicaciones {municipality.name}: diagnóstico {report.subtitle} de {report.pages} página(s); "
            f"boletín de {month:%m/%Y}"
            + (f" ({public.pages} página(s), enviado a {sent} suscriptor(es))" if public is not None else "")
        )
