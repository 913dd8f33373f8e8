"""Fixtures of the spatial tests: incidents with coordinates over the Nezahualcóyotl test box."""

import datetime as dt

import numpy as np
import pytest

from atalaya.datasets.importing import import_file
from atalaya.datasets.models import ColumnMapping


@pytest.fixture
def located(neza, tmp_path):
    """400 robberies over Neza's test box, 150 of them packed near the north-west corner (cuadrante C1)."""
    ColumnMapping.objects.create(
        name="policia-xy",
        definition={
            "source": "policia-xy",
            "catalogue": "cead",
            "columns": {"record_id": "id", "date": "fecha", "category": "delito", "lat": "lat", "lon": "lon"},
        },
    )
    rng = np.random.default_rng(5)
    lon = np.concatenate([rng.uniform(-99.03, -98.99, 250), rng.normal(-99.026, 0.0015, 150)])
    lat = np.concatenate([rng.uniform(19.38, 19.42, 250), rng.normal(19.416, 0.0015, 150)])
    lon, lat = np.clip(lon, -99.0299, -98.9901), np.clip(lat, 19.3801, 19.4199)
    start = dt.date(2026, 7, 1)
    lines = ["id,fecha,delito,lat,lon"] + [
        f"X{i},{start + dt.timedelta(days=int(d))},Robos con violencia o intimidación,{lat[i]:.6f},{lon[i]:.6f}"
        for i, d in enumerate(rng.integers(0, 90, 400))
    ]
    path = tmp_path / "xy.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    outcome = import_file("incidents", path, municipality_code="15058", mapping_name="policia-xy")
    assert outcome.status == "importado", outcome.message
    return neza
