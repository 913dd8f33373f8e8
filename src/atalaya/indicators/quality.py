"""Data-quality indicators in the DHIS2 style: completeness and timeliness per source, outlying months."""

from __future__ import annotations

import polars as pl
from django.db.models import Max

from atalaya.analysis import indicators as calc
from atalaya.analysis.parsing import add_months, month_end
from atalaya.datasets.choices import DatasetStatus
from atalaya.datasets.models import Dataset
from atalaya.geo.models import Municipality

from . import services
from .models import Indicator


def source_quality(municipality: Municipality, months: int = 24) -> list[dict]:
    """Per source: completeness over the last ``months`` months and timeliness of the latest data."""
    rows = []
    for info in services.available_sources(municipality):
        covered = services.covered_months(municipality, info.source)
        last = info.last
        first = add_months(last, -(months - 1))
        frame = pl.DataFrame({"period_start": covered}, schema={"period_start": pl.Date})
        complete = calc.completeness(frame, first.isoformat(), last.isoformat())
        row = (
            complete.row(0, named=True)
            if not complete.is_empty()
            else {"months_reported": 0, "months_expected": months, "completeness_pct": 0.0}
        )
        imported = Dataset.objects.filter(
            municipalities=municipality, source=info.source, status=DatasetStatus.IMPORTED
        ).aggregate(last=Max("created_at"))["last"]
        lag = (imported.date() - month_end(last)).days if imported else None
        rows.append(
            {
                "source": info.source,
                "point_level": info.point_level,
                "first": first,
                "last": last,
                **row,
                "last_import": imported,
                "lag_days": lag,
            }
        )
    return rows


def outlying_months(municipality: Municipality, months: int = 24) -> list[dict]:
    """Months of the last ``months`` whose count is far from the indicator's usual level (modified z > 3.5)."""
    found = []
    indicators = list(Indicator.objects.for_municipality(municipality))
    for info in services.available_sources(municipality):
        reader = services.StoredValuesReader(municipality, info.source)
        series = reader.monthly_many(indicators)
        if series.is_empty():
            continue
        recent = series.filter(pl.col("period_start") > pl.col("period_start").max().dt.offset_by(f"-{months}mo"))
        flagged = calc.outliers(recent, by=["indicator_id"]).filter(
            pl.col("outlier_modified_z").fill_null(False) | pl.col("outlier_z").fill_null(False)
        )
        names = {i.pk: i for i in indicators}
        for row in flagged.sort(["indicator_id", "period_start"]).to_dicts():
            found.append({"source": info.source, "indicator": names[row["indicator_id"]], **row})
    return found
