import pytest


@pytest.fixture
def police_mapping(db):
    """A police file whose categories are CEAD labels (mapped to families by the built-in crosswalk)."""
    from atalaya.datasets.models import ColumnMapping

    columns = {"record_id": "id", "date": "fecha", "time": "hora", "category": "delito", "territory": "cuadrante"}
    return ColumnMapping.objects.create(
        name="policia-prueba", definition={"source": "policia-prueba", "catalogue": "cead", "columns": columns}
    )
