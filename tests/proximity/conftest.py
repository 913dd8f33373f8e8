import pytest


@pytest.fixture
def categories(neza):
    from atalaya.proximity.models import ProblemCategory

    return {
        code: ProblemCategory.objects.create(
            municipality=neza, code=code, name=name, group=group, crime_families=families, order=i
        )
        for i, (code, name, group, families) in enumerate(
            [
                ("luminaria", "Luminaria apagada", "entorno", []),
                ("microtrafico", "Venta de drogas en la vía pública", "convivencia", ["drogas"]),
                ("rinas", "Riñas frecuentes", "convivencia", ["lesiones"]),
            ]
        )
    }


@pytest.fixture
def points(neza):
    """Points inside cuadrantes C1 and C4 and one outside the municipality."""
    from tests.conftest import NEZA_BOX

    minx, miny, maxx, maxy = NEZA_BOX
    w, h = maxx - minx, maxy - miny
    return {
        "C1": (miny + 0.75 * h, minx + 0.25 * w),  # (lat, lon)
        "C4": (miny + 0.25 * h, minx + 0.75 * w),
        "outside": (maxy + h, maxx + w),
    }


@pytest.fixture
def report(categories, points, neza):
    from atalaya.proximity import services

    def make(category="luminaria", where="C1", **extra):
        lat, lon = points[where]
        extra.setdefault("title", "Esquina sin luz")
        return services.report_problem(municipality=neza, category=categories[category], lat=lat, lon=lon, **extra)

    return make
