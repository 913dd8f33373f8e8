import pytest


@pytest.fixture
def police_mapping(db):
    """A police file whose categories are CEAD labels (mapped to families by the built-in crosswalk)."""
    from atalaya.datasets.models import ColumnMapping

    columns = {"record_id": "id", "date": "fecha", "time": "hora", "category": "delito", "territory": "cuadrante"}
    return ColumnMapping.objects.create(
        name="policia-prueba", definition={"source": "policia-prueba", "catalogue": "cead", "columns": columns}
    )


@pytest.fixture
def alerted(neza, police_mapping, tmp_path):
    """Nezahualcóyotl with one week of robberies far above normal in cuadrante C1: one open alert."""
    from atalaya.alerts.models import Alert, AlertSettings
    from atalaya.datasets.importing import import_file
    from tests.alerts.test_observatory import _write_incidents

    AlertSettings.objects.create(municipality=neza, monthly=False, params={"alpha": 0.01})
    import_file(
        "incidents",
        _write_incidents(tmp_path / "i.csv", spike_weeks=(0,)),
        municipality_code="15058",
        mapping_name="policia-prueba",
    )
    return Alert.objects.get(territory__code="C1")
