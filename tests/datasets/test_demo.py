"""The demo observatory, loaded small: what `make demo` builds works end to end — and the confidentiality audit
runs over it (issue 10: "the audit runs in the tests over the demo")."""

from __future__ import annotations

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
