"""Indicators read from the monthly cube: zero-filling, rates with populations, ranking, dashboard pages."""

import datetime as dt

import polars as pl
import pytest
from django.urls import reverse

from atalaya.analysis.parsing import month_range
from atalaya.datasets.importing import import_file
from atalaya.indicators import services
from atalaya.indicators.models import Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(neza, fixtures_dir, generic_mapping):
    from atalaya.taxonomy.models import Catalogue

    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    assert Catalogue.objects.filter(source="policia-prueba").exists()
    return neza


def test_builtin_catalogue_is_seeded():
    assert Indicator.objects.filter(is_builtin=True).count() == 13
    assert services.sync_builtin_indicators() == 0  # idempotent


def test_monthly_series_is_zero_filled_over_covered_months_only(loaded):
    reader = services.CubeReader(loaded, "sesnsp")
    homicide = Indicator.objects.get(code="homicidio-doloso")
    monthly = reader.monthly(homicide)
    assert monthly["period_start"].min() == dt.date(2025, 1, 1)
    assert monthly["period_start"].max() == dt.date(2026, 6, 1)  # July 2026 was never published
    assert monthly["count"].to_list()[:3] == [3, 2, 4]
    extortion = reader.monthly(Indicator.objects.get(code="extorsion"))
    assert extortion["count"].sum() == 0 and extortion.height == 18  # published zeros, not absent


def test_headline_compares_with_the_same_month_a_year_before(loaded):
    reader = services.CubeReader(loaded, "sesnsp")
    card = services.headline(reader, Indicator.objects.get(code="robo-con-violencia"))
    assert card["month"] == dt.date(2026, 6, 1)
    assert (card["count"], card["previous"]) == (34, 35 + 59)  # negocio + coche in June 2025
    assert card["significant"] is True and card["trend"] == "baja"
    rolling = 34 + 36 + 38 + 40 + 33 + 35 + (33 + 50) + (36 + 54) + (30 + 57) + (37 + 58) + (41 + 62) + (44 + 60)
    assert card["rolling_12m"] == rolling
    assert card["value"] == pytest.approx(rolling / 1_077_208 * 100_000)
    assert card["light"] is None  # three complete previous years are not available


def test_ranking_of_territories_with_populations(loaded):
    reader = services.CubeReader(loaded, "policia-prueba")
    indicator = Indicator.objects.create(code="todo", name="Todo", numerator={"categories": ["policia-prueba:"]})
    table = services.ranking(reader, indicator, "sector")
    by_code = {r["territory_code"]: r for r in table.to_dicts()}
    assert by_code["S1"]["count"] == 1 and by_code["S2"]["count"] == 2
    assert by_code.get("SIN_TERRITORIO", {"count": 0})["count"] == 0  # the only unplaced point lies outside
    assert by_code["S2"]["population"] == 577_208
    assert by_code["S2"]["rate"] == pytest.approx(2 / 577_208 * 100_000)
    assert by_code["S2"]["rank"] == 1 and by_code.get("SIN_TERRITORIO", {"rank": None})["rank"] is None


def test_ranking_window_is_twelve_months_for_every_end_month(neza, generic_mapping, tmp_path):
    """One incident a month for 30 months: the ranking's "last 12 months" counts 12 whatever month it ends in
    (it used to start at last − 335 days and count 13 for seven end months of twelve)."""
    rows = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    for k, month in enumerate(month_range(dt.date(2024, 1, 1), dt.date(2026, 6, 1))):
        rows.append(f"M{k},{month.replace(day=28)},10:00,Robo a transeúnte con violencia,19.395,-99.005,")
    path = tmp_path / "mensual.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert (
        import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba").status == "importado"
    )
    reader = services.CubeReader(neza, "policia-prueba")
    indicator = Indicator.objects.create(code="todo", name="Todo", numerator={"categories": ["policia-prueba:"]})
    for until in month_range(dt.date(2025, 1, 1), dt.date(2026, 2, 1)):
        table = services.ranking(reader, indicator, "sector", until)
        assert table.get_column("count").sum() == 12, until


def test_dashboard_page_and_exports(client, loaded, make_user):
    client.force_login(make_user("ana", ["15058"]))
    page = client.get(reverse("indicators:dashboard", args=["15058"]), {"fuente": "policia-prueba", "nivel": "sector"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="spec-serie"' in html and 'id="spec-mapa"' in html
    assert "Ranking por sector" in html and "'unsafe-inline'" in page["Content-Security-Policy"]
    assert "script-src 'self';" in page["Content-Security-Policy"]
    csv = client.get(
        reverse("indicators:ranking_export", args=["15058", "csv"]), {"fuente": "policia-prueba", "nivel": "sector"}
    )
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("codigo,territorio,hechos_12_meses,poblacion,valor,valor_inferior_95")
    xlsx = client.get(
        reverse("indicators:ranking_export", args=["15058", "xlsx"]), {"fuente": "policia-prueba", "nivel": "sector"}
    )
    assert xlsx.content[:2] == b"PK"
    published = client.get(reverse("indicators:dashboard", args=["15058"]), {"fuente": "sesnsp"})
    assert "no hay desagregación territorial" in published.content.decode()


def test_dashboard_is_scoped(client, loaded, penalolen, make_user):
    client.force_login(make_user("pedro", ["13122"]))
    assert client.get(reverse("indicators:dashboard", args=["15058"])).status_code == 404
    assert client.get(reverse("indicators:ranking_export", args=["15058", "csv"])).status_code == 404


def test_map_classes_and_legend(loaded):
    from atalaya.indicators.charts import map_spec

    reader = services.CubeReader(loaded, "policia-prueba")
    indicator = Indicator.objects.create(code="todo2", name="Todo", numerator={"categories": ["policia-prueba:"]})
    spec = map_spec(loaded, services.ranking(reader, indicator, "sector"), "sector")
    fills = [t for t in spec["data"] if t.get("fill") == "toself"]
    assert fills and all(t["name"] for t in fills)
    hover = spec["data"][-1]["text"]
    assert any(text.startswith("Sector 2") for text in hover)
    assert services.class_breaks(pl.Series([1.0, 2.0, 3.0, 4.0, 100.0]).to_numpy()) == pytest.approx(
        [1.8, 2.6, 3.4, 23.2, 100.0]
    )


def test_values_are_precomputed_at_import_and_match_the_cube(loaded):
    from atalaya.indicators.models import IndicatorSeries, IndicatorSnapshot

    assert IndicatorSnapshot.objects.filter(municipality=loaded, source="sesnsp").exists()
    stored = services.StoredValuesReader(loaded, "policia-prueba")
    live = services.CubeReader(loaded, "policia-prueba")
    for indicator in Indicator.objects.all():
        for level in (None, "sector", "cuadrante"):
            assert stored.monthly(indicator, level).equals(live.monthly(indicator, level)), (indicator.code, level)
    indicators = list(Indicator.objects.all())
    assert stored.monthly_many(indicators).equals(live.monthly_many(indicators))
    for info in services.sources_for(loaded):  # the reader's one scan says what the per-municipality query says
        assert services.CubeReader(loaded, info.source).info == info
    assert IndicatorSeries.objects.filter(municipality=loaded, source="sesnsp", level="sector").count() == 0
    # One row per series, its counts over the months the snapshot records.
    months = len(stored.snapshot.grid["months"])
    stored_counts = IndicatorSeries.objects.filter(source="policia-prueba").values_list("counts", flat=True)
    assert months and all(len(c) == months for c in stored_counts)
    assert stored.monthly(Indicator.objects.get(code="extorsion"), "sector")["count"].sum() == 0


def test_stored_victim_values_match_the_cube(neza, fixtures_dir):
    import_file("sesnsp-victimas", fixtures_dir / "sesnsp_victimas_utf8.csv")
    stored = services.StoredValuesReader(neza, "sesnsp")
    live = services.CubeReader(neza, "sesnsp")
    indicators = list(Indicator.objects.all())
    assert any(ind.measure == "victimas" for ind in indicators)
    for indicator in indicators:
        assert stored.monthly(indicator).equals(live.monthly(indicator)), indicator.code
    assert stored.monthly_many(indicators).equals(live.monthly_many(indicators))
    assert sum(stored.monthly(ind)["count"].sum() for ind in indicators if ind.measure == "victimas") > 0


def test_editing_a_definition_refreshes_stale_values(loaded):
    indicator = Indicator.objects.get(code="extorsion")
    before = services.StoredValuesReader(loaded, "sesnsp").monthly(indicator)["count"].sum()
    indicator.numerator = {"iccs": ["0101"]}  # now counts homicides
    indicator.save()
    after = services.StoredValuesReader(loaded, "sesnsp").monthly(indicator)["count"].sum()
    assert before == 0 and after == services.CubeReader(loaded, "sesnsp").monthly(indicator)["count"].sum() > 0


def test_a_failed_import_leaves_indicator_values_untouched(loaded, fixtures_dir, monkeypatch, tmp_path):
    from atalaya.indicators.models import IndicatorSeries

    before = list(IndicatorSeries.objects.order_by("pk").values_list("pk", "counts"))

    def boom(*args, **kwargs):
        raise RuntimeError("fallo simulado")

    monkeypatch.setattr(services, "refresh_values", boom)
    revised = tmp_path / "revisado.csv"
    revised.write_bytes((fixtures_dir / "sesnsp_delitos_cp1252.csv").read_bytes().replace(b"\r\n", b"\n"))
    with pytest.raises(RuntimeError):
        import_file("sesnsp", revised)
    assert list(IndicatorSeries.objects.order_by("pk").values_list("pk", "counts")) == before


def test_weekday_hour_profile_is_stored_with_the_values(loaded):
    reader = services.StoredValuesReader(loaded, "policia-prueba")
    indicator = Indicator.objects.create(code="todo3", name="Todo", numerator={"categories": ["policia-prueba:"]})
    reader = services.StoredValuesReader(loaded, "policia-prueba")  # definitions changed: recomputed
    grid = reader.weekday_hour(indicator)["weekday_hour"]
    # A1 2025-03-01 (Saturday) 23:10, A2 2025-03-01 02:00; A3 has no time; A4 (Sunday 10:00) lies outside the
    # municipality: stored and reported, not counted as its own
    assert grid[5][23] == 1 and grid[5][2] == 1 and grid[6][10] == 0
    assert sum(map(sum, grid)) == 2


def test_quality_page_completeness_timeliness_and_outliers(client, loaded, make_user):
    from atalaya.indicators.quality import outlying_months, source_quality

    sources = {s["source"]: s for s in source_quality(loaded)}
    assert sources["sesnsp"]["months_reported"] == 18 and sources["sesnsp"]["months_expected"] == 24
    assert sources["sesnsp"]["completeness_pct"] == 75.0 and sources["sesnsp"]["lag_days"] >= 0
    flagged = [(o["indicator"].code, o["period_start"].isoformat()) for o in outlying_months(loaded)]
    assert ("robo-con-violencia", "2025-03-01") in flagged  # the 1,204 robberies of March 2025
    client.force_login(make_user("ana", ["15058"]))
    page = client.get(reverse("indicators:quality", args=["15058"])).content.decode()
    assert "Completitud" in page and "2025-03" in page


def test_analysts_create_indicators_for_their_municipality(client, loaded, make_user, penalolen):
    """An analyst's new indicator used to appear on every municipality's dashboard (issue 10)."""
    ana = make_user("ana", ["15058"], role="analyst")
    client.force_login(ana)
    response = client.post(
        reverse("indicators:indicator_create"),
        {
            "code": "robo-negocio",
            "name": "Robo a negocio",
            "name_en": "",
            "description": "x",
            "methodology": "y",
            "unit": "tasa",
            "periodicity": "mensual",
            "better": "menor",
            "order": 50,
            "measure": "hechos",
            "filters": "{}",
            "families": [],
            "iccs": "",
            "categories": "sesnsp:robo/robo-a-negocio",
        },
    )
    assert response.status_code == 302
    created = Indicator.objects.get(code="robo-negocio")
    assert created.numerator == {"categories": ["sesnsp:robo/robo-a-negocio"]} and created.created_by == ana
    assert created.municipality == loaded
    counts = services.StoredValuesReader(loaded, "sesnsp").monthly(created)["count"].to_list()
    assert counts[:3] == [41, 38, 1204]
    bad = client.post(
        reverse("indicators:indicator_create"),
        {
            "code": "malo",
            "name": "Malo",
            "unit": "tasa",
            "periodicity": "mensual",
            "better": "menor",
            "order": 1,
            "iccs": "9999",
            "categories": "nada:x",
        },
    )
    assert bad.status_code == 200 and "Códigos ICCS desconocidos: 9999" in bad.content.decode()
    assert client.get(reverse("indicators:indicator_update", args=["homicidio-doloso"])).status_code == 404
    client.force_login(make_user("beto", ["15058"], role="analyst"))  # a colleague of the same municipality
    assert client.get(reverse("indicators:indicator_update", args=["robo-negocio"])).status_code == 200
    client.force_login(make_user("pedro", ["13122"], role="analyst"))
    assert client.get(reverse("indicators:indicator_update", args=["robo-negocio"])).status_code == 404
    catalogue = client.get(reverse("indicators:catalogue")).content.decode()
    assert "robo-negocio" not in catalogue and "clases ICCS: 0101" in catalogue  # words, not JSON
    assert "{&#x27;families&#x27;" not in catalogue
    assert "robo-negocio" not in {i["code"] for i in client.get(reverse("api:indicators")).json()}
    assert Indicator.objects.for_municipality(penalolen).filter(code="robo-negocio").count() == 0
    assert Indicator.objects.for_municipality(loaded).filter(code="robo-negocio").count() == 1
    anonymous = client.__class__()
    assert "robo-negocio" not in {i["code"] for i in anonymous.get(reverse("api:indicators")).json()}
    assert anonymous.get(reverse("portal:indicator", args=["robo-negocio"])).status_code == 404  # not published
    assert anonymous.get(reverse("portal:indicator", args=["homicidio-doloso"])).status_code == 200
    client.force_login(make_user("vera", ["15058"], role="viewer"))
    assert client.get(reverse("indicators:catalogue")).status_code == 403


def test_victim_indicators_filter_by_sex(neza, fixtures_dir, client, make_user):
    assert import_file("sesnsp-victimas", fixtures_dir / "sesnsp_victimas_utf8.csv").status == "importado"
    reader = services.StoredValuesReader(neza, "sesnsp")
    women = reader.monthly(Indicator.objects.get(code="victimas-homicidio-mujeres"))
    assert women["count"].to_list() == [0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0]
    everyone = Indicator.objects.create(
        code="victimas-todas", name="Todas", measure="victimas", numerator={"iccs": ["0101"]}
    )
    assert services.StoredValuesReader(neza, "sesnsp").monthly(everyone)["count"].sum() == 25
    assert services.StoredValuesReader(neza, "sesnsp").monthly(everyone, "sector").is_empty()
    client.force_login(make_user("ana", ["15058"]))
    values = client.get(
        reverse("api:indicator_values", args=["victimas-homicidio-mujeres"]),
        {"municipality": "15058", "source": "sesnsp", "period": "year"},
    ).json()
    assert values[0]["count"] == 3


def test_dashboard_until_filter_moves_cards_and_ranking(client, loaded, make_user):
    reader = services.StoredValuesReader(loaded, "sesnsp")
    card = services.headline(reader, Indicator.objects.get(code="homicidio-doloso"), dt.date(2026, 2, 1))
    assert (card["month"], card["count"], card["previous"]) == (dt.date(2026, 2, 1), 3, 2)
    client.force_login(make_user("ana", ["15058"]))
    html = client.get(
        reverse("indicators:dashboard", args=["15058"]), {"fuente": "sesnsp", "hasta": "2026-02"}
    ).content.decode()
    assert 'value="2026-02" selected' in html and "febrero 2026" in html


def test_cards_show_year_to_date_and_map_can_show_counts(client, loaded, make_user):
    from atalaya.indicators.charts import map_spec

    card = services.headline(
        services.StoredValuesReader(loaded, "sesnsp"), Indicator.objects.get(code="homicidio-doloso")
    )
    assert (card["ytd"], card["ytd_previous"]) == (2 + 3 + 1 + 0 + 2 + 1, 3 + 2 + 4 + 1 + 0 + 2)
    reader = services.StoredValuesReader(loaded, "policia-prueba")
    indicator = Indicator.objects.create(code="todo4", name="Todo", numerator={"categories": ["policia-prueba:"]})
    counts = map_spec(loaded, services.ranking(reader, indicator, "sector"), "sector", "conteo")
    assert counts["layout"]["title"]["text"] == "Hechos en 12 meses"
    client.force_login(make_user("ana", ["15058"]))
    html = client.get(
        reverse("indicators:dashboard", args=["15058"]),
        {"fuente": "policia-prueba", "nivel": "sector", "mapa": "conteo"},
    ).content.decode()
    assert 'value="conteo" selected' in html
    html = client.get(reverse("indicators:dashboard", args=["15058"]), {"fuente": "sesnsp"}).content.decode()
    assert "En lo que va del año: 9 (año anterior: 12)" in html


def test_percentage_count_and_source_restricted_indicators(loaded):
    from scipy import stats

    robberies = Indicator.objects.create(code="robos", name="Robos", numerator={"categories": ["sesnsp:robo/"]})
    share = Indicator.objects.create(
        code="pct-violentos",
        name="% con violencia",
        unit="porcentaje",
        denominator=robberies,
        numerator={"families": ["robos-con-violencia"]},
    )
    counted = Indicator.objects.create(
        code="homicidios-n", name="Homicidios", unit="conteo", numerator={"iccs": ["0101"]}
    )
    only_cead = Indicator.objects.create(
        code="solo-cead", name="Solo CEAD", sources=["cead"], numerator={"iccs": ["0101"]}
    )
    reader = services.StoredValuesReader(loaded, "sesnsp")
    pct, count, restricted = services.headlines(reader, [share, counted, only_cead])
    # robo con violencia = all robberies in the fixture, so 100 % with an exact one-sided bound
    assert pct["value"] == pytest.approx(100.0) and pct["value_upper"] == pytest.approx(100.0)
    k = pct["rolling_12m"]
    assert pct["value_lower"] == pytest.approx(stats.beta.ppf(0.025, k, 1) * 100)
    assert count["value"] == count["rolling_12m"] and count["unit"] == "conteo"
    assert restricted["empty"] is True
