"""Registering municipalities and reading their territories as geometry."""

from __future__ import annotations

from django.db import transaction

from .models import Country, Municipality, Population


@transaction.atomic
def register_municipality(
    code: str,
    name: str,
    *,
    country: str,
    region: str = "",
    populations: dict[int, int] | None = None,
    is_synthetic: bool = False,
) -> Municipality:
    country_obj, _ = Country.objects.get_or_create(
        code=country, defaults={"name": {"MX": "México", "CL": "Chile"}.get(country, country)}
    )
    municipality, _ = Municipality.objects.update_or_create(
        code=code,
        defaults={"name": name, "country": country_obj, "region": region, "is_synthetic": is_synthetic},
    )
    for year, value in (populations or {}).items():
        Population.objects.update_or_create(
            municipality=municipality,
            territory=None,
            year=year,
            defaults={"value": value, "source": "registro manual"},
        )
    return municipality
