"""Two point-level sources of the same homicides in Nezahualcóyotl: police and prosecutors."""

from __future__ import annotations

import pytest

from atalaya.datasets.importing import import_file
from atalaya.datasets.models import ColumnMapping


def write_source(tmp_path, name, rows):
    path = tmp_path / f"{name}.csv"
    path.write_text("id,fecha,delito,lat,lon,sexo,edad\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def two_sources(neza, tmp_path):
    for source in ("policia", "fiscalia"):
        ColumnMapping.objects.create(
            name=source,
            definition={
                "source": source,
                "catalogue": "cdmx-fgj",
                "columns": {"record_id": "id", "date": "fecha", "category": "delito", "lat": "lat", "lon": "lon"},
                "attributes": ["sexo", "edad"],
            },
        )
    police = [
        "P1,2025-01-03,HOMICIDIO DOLOSO,19.405,-99.015,H,25",
        "P2,2025-01-20,HOMICIDIO DOLOSO,19.395,-99.005,M,40",
        "P3,2025-02-11,FEMINICIDIO,19.398,-99.012,M,33",
        "P4,2025-02-15,HOMICIDIO DOLOSO,19.401,-99.008,H,19",
    ]
    prosecutors = [
        "F1,2025-01-04,HOMICIDIO DOLOSO,19.4052,-99.0151,H,25",
        "F2,2025-01-20,HOMICIDIO DOLOSO,19.3951,-99.0049,H,40",  # sex differs from P2: conflict
        "F3,2025-02-11,FEMINICIDIO,19.398,-99.012,M,33",
        "F5,2025-02-27,HOMICIDIO DOLOSO,19.409,-99.001,H,50",
    ]
    for source, rows in (("policia", police), ("fiscalia", prosecutors)):
        outcome = import_file(
            "incidents", write_source(tmp_path, source, rows), municipality_code="15058", mapping_name=source
        )
        assert outcome.status == "importado", outcome.message
    return neza
