"""Municipalities compared on one indicator and one source, with rank ranges from the intervals."""

import pytest
from django.urls import reverse

from atalaya.datasets.importing import import_file
from atalaya.geo.services import register_municipality
from atalaya.indicators import services
from atalaya.indicators.models import Indicator

pytestmark = pytest.mark.django_db

HEADER = (
    "Año,Clave_Ent,Entidad,Cve. Municipio,Municipio,Bien jurídico afectado,Tipo de delito,Subtipo de delito,"
    "Modalidad,Enero,Febrero,Marzo,Abril,Mayo,Junio,Julio,Agosto,Septiembre,Octubre,Noviembre,Diciembre"
)


def _row(code, name, counts):
    return (
        f"2025,15,México,{code},{name},La vida y la Integridad corporal,Homicidio,Homicidio doloso,"
        f"Con arma de fuego,{','.join(str(c) for c in counts)}"
    )


@pytest.fixture
def three(db, tmp_path):
    for code, name, population in (
        ("15058", "Nezahualcóyotl", 1_000_000),
        ("15033", "Ecatepec", 1_000_000),
        ("15031", "Chimalhuacán", 100_000),
    ):
        register_municipality(code, name, country="MX", populations={2020: population})
    path = tmp_path / "sesnsp.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                _row("15058", "Neza", [10] * 12),
                _row("15033", "Ecatepec", [11] * 12),
                _row("15031", "Chimalhuacán", [5] * 12),
            ]
        ),
        encoding="utf-8",
    )
    assert import_file("sesnsp", path).status == "importado"


def test_network_ranking_with_rank_ranges(three):
    from atalaya.geo.models import Municipality

    table = services.network_ranking(
        Municipality.objects.all(), Indicator.objects.get(code="homicidio-doloso"), "sesnsp"
    )
    rows = {r["code"]: r for r in table.to_dicts()}
    assert rows["15031"]["rate"] == pytest.approx(60.0)  # 60 per 100,000 in a small municipality
    assert rows["15031"]["rank"] == 1 and rows["15031"]["rank_best"] == 1 and rows["15031"]["rank_worst"] == 1
    assert (rows["15033"]["rank"], rows["15058"]["rank"]) == (2, 3)
    assert rows["15058"]["rank_best"] == 2 and rows["15033"]["rank_worst"] == 3  # 132 vs 120: a tie in truth
    assert rows["15058"]["ranked"] == 3


def test_network_page_is_scoped_to_the_users_municipalities(client, three, make_user):
    client.force_login(make_user("ana", ["15058", "15033"]))
    page = client.get(reverse("indicators:network"), {"indicador": "homicidio-doloso"}).content.decode()
    assert "Ecatepec" in page and "Chimalhuacán" not in page and "de 2" in page
