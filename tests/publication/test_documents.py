"""Diagnosis packs, bulletins and the open-data catalogue (issue 15): documents rendered and read back page by page
(text extracted, pages rasterised), the public edition built from the suppressed table only, subscribers served
once, the daily round scheduled on the worker's queue, and the DCAT-AP catalogue valid against SEMIC's shapes."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.core import mail
from django.test import override_settings

from atalaya.analysis.parsing import month_range
from atalaya.core.testing import login_as
from atalaya.datasets.importing import import_file
from atalaya.indicators import disclosure
from atalaya.indicators.models import Indicator, Publication
from atalaya.proximity import participation
from atalaya.publication import catalogue, content, services
from atalaya.publication.models import Bulletin, Report


class RefusingBackend:
    """A mail server that accepts nothing (``fail_silently`` turns its refusal into 0 sent)."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages) -> int:
        if not self.fail_silently:
            raise ConnectionRefusedError("sin servidor de correo")
        return 0


SHAPES = Path(__file__).parents[2] / ".venv" / "share" / "dcat-ap-3.0.0" / "dcat-ap-SHACL.jsonld"
SECTORS = {"S1": (19.405, -99.015), "S2": (19.395, -99.005)}


@pytest.fixture
def published(neza, generic_mapping, tmp_path):
    """Two years of robberies in Neza's two sectors (few in S1, so its cells are withheld), one indicator
    published."""
    rng = np.random.default_rng(11)
    rows = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    k = 0
    for month in month_range(dt.date(2024, 1, 1), dt.date(2025, 12, 1)):
        for sector, (lat, lon) in SECTORS.items():
            for _ in range(int(rng.poisson(0.3 if sector == "S1" else 9.0))):
                rows.append(f"R{k},{month.replace(day=12)},21:00,Robo a transeúnte con violencia,{lat},{lon},")
                k += 1
    path = tmp_path / "robos.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert (
        import_file("incidents", path, municipality_code="15058", mapping_name="policia-prueba").status == "importado"
    )
    indicator = Indicator.objects.create(
        code="robo-transeunte", name="Robo a transeúnte", numerator={"categories": ["policia-prueba:"]}
    )
    Publication.objects.create(municipality=neza, indicator=indicator, is_public=True)
    return neza, indicator, k


def _pages(pdf: bytes, out: Path | None = None) -> list[str]:
    """The text of each page; every page rasterised and checked to carry ink (saved as PNG when ``out``)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    texts = []
    for i, page in enumerate(document):
        texts.append(page.get_textpage().get_text_range())
        image = page.render(scale=1).to_pil().convert("L")
        pixels = np.asarray(image)
        assert (pixels < 200).mean() > 0.002, f"página {i + 1} en blanco"
        if out is not None:
            image.save(out / f"pagina-{i + 1}.png")
    return texts


def test_the_diagnosis_pack_reads_back_as_the_figures_it_was_made_from(published, tmp_path):
    neza, indicator, _total = published
    report = services.make_diagnosis(neza, dt.date(2024, 1, 1), dt.date(2025, 12, 1))
    texts = _pages(bytes(report.pdf), tmp_path)
    assert report.pages == len(texts) >= 2
    text = " ".join(" ".join(texts).split())
    assert "Diagnóstico de seguridad de Nezahualcóyotl" in text and "enero 2024 a diciembre 2025" in text
    for title in ("Indicadores y tendencias", "Mapa y territorios", "Alertas tempranas"):
        assert title in text
    assert f"Página 1 de {report.pages}" in text
    # the 12-month count printed is the cube's own
    from atalaya.indicators import services as indicator_services

    reader = indicator_services.StoredValuesReader(neza, "policia-prueba")
    card = indicator_services.headline(reader, indicator, dt.date(2025, 12, 1))
    assert f"Robo a transeúnte {card['rolling_12m']:,}".replace(",", ".") in text or (
        f"Robo a transeúnte {card['rolling_12m']}" in text
    )
    assert "Sector 2" in text  # the ranking table
    # the Word file: same sections, the same table and the figures as pictures
    from docx import Document as WordDocument

    word = WordDocument(io.BytesIO(bytes(report.docx)))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert "Indicadores y tendencias" in headings and "Alertas tempranas" in headings
    [row] = [[c.text for c in r.cells] for r in word.tables[0].rows if r.cells[0].text == "Robo a transeúnte"]
    assert row[1].replace(".", "") == str(card["rolling_12m"])
    assert len(word.inline_shapes) >= 2  # a monthly series and the map


def test_the_public_bulletin_shows_the_suppressed_table_and_nothing_more(published, tmp_path):
    neza, indicator, _total = published
    document = content.public(neza, dt.date(2025, 12, 1))
    [table] = next(s for s in document.sections if s.title == "Indicadores publicados").tables
    stored = disclosure.public_values(neza, "policia-prueba", indicator).filter(
        pl.col("level").is_null() & (pl.col("period") == "12m")
    )
    current = stored.filter(pl.col("period_start") == dt.date(2025, 1, 1))["count"][0]
    assert table.rows[0][1] == ("reservado" if current is None else f"{current:,}".replace(",", "."))
    # the map: a sector whose 12 months are withheld (S1, and S2 with it: the total would give S1 back) is drawn
    # grey and hatched, without a value
    sectors = disclosure.public_values(neza, "policia-prueba", indicator).filter(
        (pl.col("level") == "sector") & (pl.col("period") == "12m") & (pl.col("period_start") == dt.date(2025, 1, 1))
    )
    withheld = set(sectors.filter(pl.col("count").is_null())["territory_code"])
    assert "S1" in withheld
    [geo] = [s for s in document.sections if s.title.startswith("Mapa")]
    assert "en gris rayado, reservado" in geo.figures[0].caption
    bulletin, report = services.make_bulletin(neza, dt.date(2025, 12, 1))
    text = " ".join(" ".join(_pages(bytes(bulletin.pdf), tmp_path)).split())
    assert "Boletín del observatorio de Nezahualcóyotl" in text and "reservado" in text
    assert "Alertas tempranas" not in text  # internal: only the institutional edition has them
    institutional = " ".join(" ".join(_pages(bytes(report.pdf))).split())
    assert "Alertas tempranas" in institutional and "sin control de divulgación" in institutional.lower()
    # no table of the public edition lists territories (their counts are only on the map, suppressed)
    assert "Sector 1" not in " ".join(" ".join(r) for s in document.sections for t in s.tables for r in t.rows)


def test_subscribers_confirm_and_receive_each_bulletin_once(published, client, django_capture_on_commit_callbacks):
    neza, _indicator, _total = published
    target = services.subscription_target(neza)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/publico/{neza.code}/boletines/suscribir/", {"target": target, "email": "Vecina@Example.org"}
        )
    assert response.status_code == 302 and response.url == f"/publico/{neza.code}/boletines/"
    assert len(mail.outbox) == 1 and "/seguir/" in mail.outbox[0].body
    participation.follow(neza, target, "otro@example.org")  # never confirmed: receives nothing
    token = mail.outbox[0].body.split("/seguir/")[1].split("/")[0]
    assert client.get(f"/publico/{neza.code}/seguir/{token}/").status_code == 200
    mail.outbox.clear()
    with override_settings(EMAIL_BACKEND="tests.publication.test_documents.RefusingBackend"):
        services.due_bulletins(dt.date(2026, 1, 15))  # the mail server refuses: not marked sent, retried
    assert Bulletin.objects.get(month=dt.date(2025, 12, 1)).sent_at is None
    [bulletin] = services.due_bulletins(dt.date(2026, 1, 15))
    assert bulletin.month == dt.date(2025, 12, 1) and bulletin.recipients == 1
    [message] = mail.outbox
    assert message.to == ["vecina@example.org"] and "dejar-de-seguir" in message.body
    name, data, mimetype = message.attachments[0]
    assert name == "boletin-15058-2025-12.pdf" and mimetype == "application/pdf" and data[:5] == b"%PDF-"
    assert services.due_bulletins(dt.date(2026, 1, 16)) == [] and len(mail.outbox) == 1  # once
    assert services.send_bulletin(bulletin) == 0
    assert services.due_bulletins(dt.date(2025, 12, 20)) == []  # a month still running is never bulletined
    # another municipality's follower target is refused
    with pytest.raises(Exception, match="No hay nada público"):
        participation.follow(neza, "boletin:13122", "x@example.org")


def test_the_daily_round_is_kept_queued_on_the_worker(database_queue, neza):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from atalaya.core.schedule import ensure_scheduled, next_run
    from atalaya.publication.jobs import bulletin_round

    now = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)
    assert ensure_scheduled(now) == [bulletin_round.module_path]
    [queued] = DBTaskResult.objects.filter(task_path=bulletin_round.module_path, status=TaskResultStatus.READY)
    assert queued.run_after == next_run(6, now) and queued.run_after > now
    assert ensure_scheduled(now) == []  # one waiting run is enough
    assert next_run(6, dt.datetime(2026, 3, 4, 5, 0, tzinfo=dt.UTC)).day in (4, 3)  # local time, before six


def test_the_catalogue_is_valid_dcat_ap_and_lists_only_public_downloads(published, client):
    from pyshacl import validate
    from rdflib import Graph

    assert SHAPES.exists(), "faltan las formas SHACL de DCAT-AP: make dcat-shapes"
    neza, indicator, _total = published
    services.make_bulletin(neza, dt.date(2025, 12, 1))
    graph = catalogue.catalogue([neza])
    shapes = Graph().parse(SHAPES, format="json-ld")
    # RDFS entailment, as SEMIC's validator and the DCAT-AP guides run the shapes (every IRI is an rdfs:Resource)
    conforms, _report_graph, report = validate(
        Graph().parse(data=json.dumps(graph), format="json-ld"), shacl_graph=shapes, inference="rdfs"
    )
    assert conforms, report
    # the shapes bite: a dataset without a title and a distribution without an access URL are refused
    broken = json.loads(json.dumps(graph))
    del broken["dcat:dataset"][0]["dct:title"]
    del broken["dcat:dataset"][0]["dcat:distribution"][0]["dcat:accessURL"]
    conforms, _g, report = validate(
        Graph().parse(data=json.dumps(broken), format="json-ld"), shacl_graph=shapes, inference="rdfs"
    )
    assert not conforms and "title" in report and "accessURL" in report
    # every download answers, anonymously, from a public view
    slugs = {d["dct:identifier"].split("/")[1] for d in graph["dcat:dataset"]}
    assert {"indicadores", f"territorios-{indicator.code}", "boletines"} <= slugs
    for dataset in graph["dcat:dataset"]:
        for distribution in dataset["dcat:distribution"]:
            path = distribution["dcat:accessURL"]["@id"].removeprefix("http://localhost")
            assert client.get(path).status_code == 200, path
    served = client.get(f"/publico/{neza.code}/datos/catalogo.jsonld")
    assert served["Content-Type"] == "application/ld+json" and json.loads(served.content)["@type"] == "dcat:Catalog"
    assert client.get("/publico/datos/catalogo.jsonld").status_code == 200
    page = client.get(f"/publico/{neza.code}/datos/").content.decode()
    assert "Robo a transeúnte" in page and "catalogo.jsonld" in page
    # the JSON table is the CSV's rows: a withheld count is null with «reservado»
    rows = client.get(f"/publico/{neza.code}/indicadores.json").json()["indicadores"]
    csv = client.get(f"/publico/{neza.code}/indicadores.csv").content.decode("utf-8-sig").splitlines()
    assert len(rows) == len(csv) - 1 == 1
    assert rows[0]["reservado"] == ("sí" if rows[0]["hechos_12_meses"] is None else "no")


def test_pages_generate_and_serve_documents_within_the_municipality(published, client, make_user, penalolen):
    neza, _indicator, _total = published
    analyst = make_user("analista-pub", ["15058"], "analyst")
    login_as(client, analyst)
    assert client.get("/publicaciones/15058/").status_code == 200
    response = client.post("/publicaciones/15058/", {"start": "2025-01", "end": "2025-12"})
    assert response.status_code == 302  # the job page; the tests' queue runs it at once
    report = Report.objects.get(kind="diagnostico")
    assert report.period_start == dt.date(2025, 1, 1) and report.created_by == analyst
    page = client.get(f"/publicaciones/d/{report.pk}/").content.decode()
    assert "Descargar Word" in page
    pdf = client.get(f"/publicaciones/d/{report.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert client.get(f"/publicaciones/d/{report.pk}.docx").content[:2] == b"PK"
    assert client.get(f"/publicaciones/d/{report.pk}.exe").status_code == 404
    bad = client.post("/publicaciones/15058/", {"start": "2025-12", "end": "2025-01"})
    assert bad.status_code == 200 and "termina antes de empezar" in bad.content.decode()
    client.post("/publicaciones/15058/boletin/", {"month": "2025-12"})
    assert Bulletin.objects.filter(municipality=neza, month=dt.date(2025, 12, 1)).exists()
    # a viewer reads the archive but does not generate; another municipality sees nothing
    client.logout()
    login_as(client, make_user("lectora", ["15058"], "viewer"))
    assert "Generar diagnóstico" not in client.get("/publicaciones/15058/").content.decode()
    assert client.post("/publicaciones/15058/", {"start": "2025-01", "end": "2025-12"}).status_code == 403
    client.logout()
    login_as(client, make_user("ajena", ["13122"], "analyst"))
    assert client.get("/publicaciones/15058/").status_code == 404
    assert client.get(f"/publicaciones/d/{report.pk}/").status_code == 404
    assert client.get(f"/publicaciones/d/{report.pk}.pdf").status_code == 404
    # the public archive
    client.logout()
    assert "diciembre 2025" in client.get("/publico/15058/boletines/").content.decode()
    assert "Robo a transeúnte" in client.get("/publico/15058/boletines/2025-12/").content.decode()
    assert client.get("/publico/15058/boletines/2025-12.pdf").content[:5] == b"%PDF-"
    assert client.get("/publico/15058/boletines/2025-13/").status_code == 404
    assert client.get("/publico/13122/boletines/").status_code == 404  # publishes nothing


def test_the_command_line_writes_both_files(published, tmp_path, capsys):
    from atalaya.cli import main

    pdf, docx = tmp_path / "d.pdf", tmp_path / "d.docx"
    code = main(["publish", "diagnosis", "--municipality", "15058", "--from", "2025-01", "--to", "2025-12",
                 "--pdf", str(pdf), "--docx", str(docx)])  # fmt: skip
    assert code == 0 and pdf.read_bytes()[:5] == b"%PDF-" and docx.read_bytes()[:2] == b"PK"
    assert "página(s)" in capsys.readouterr().out
    assert main(["publish", "diagnosis", "--municipality", "15058", "--from", "2025-13", "--to", "2025-12"]) == 2
    assert "mes no válido" in capsys.readouterr().err
    out = tmp_path / "catalogo.jsonld"
    assert main(["publish", "catalogue", "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["@type"] == "dcat:Catalog"


def test_a_period_without_data_is_refused_and_nothing_is_written(published, client, make_user, capsys):
    from django.core.exceptions import ValidationError

    from atalaya.cli import main

    neza, _indicator, _total = published
    with pytest.raises(ValidationError, match="el último mes cargado de Nezahualcóyotl es 12/2025"):
        services.make_diagnosis(neza, dt.date(2025, 6, 1), dt.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="termina antes de empezar"):
        services.make_diagnosis(neza, dt.date(2025, 6, 1), dt.date(2025, 1, 1))
    assert main(["publish", "bulletin", "--municipality", "15058", "--month", "2026-02"]) == 1
    assert "No hay datos de 02/2026" in capsys.readouterr().err
    assert not Report.objects.exists() and not Bulletin.objects.exists()
    login_as(client, make_user("analista-fechas", ["15058"], "analyst"))
    client.post("/publicaciones/15058/", {"start": "2025-01", "end": "2026-06"})  # the job says why it failed
    from atalaya.core.models import Job

    job = Job.objects.get(kind="publication.diagnosis")
    assert job.status == "fallido" and job.result["mensaje"].startswith("No hay datos de 06/2026")
    page = client.post("/publicaciones/15058/boletin/", {"month": "2025-13"}, follow=True).content.decode()
    assert "fecha válida" in page
    # making a month's bulletin again replaces its institutional edition
    services.make_bulletin(neza, dt.date(2025, 11, 1))
    services.make_bulletin(neza, dt.date(2025, 11, 1))
    assert Report.objects.filter(kind="boletin").count() == 1
