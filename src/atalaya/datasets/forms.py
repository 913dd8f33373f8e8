from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.forms import MunicipalityOwnedForm
from atalaya.accounts.services import import_municipalities
from atalaya.geo.models import Municipality
from atalaya.hooks import READERS, format_label

from .choices import OnError
from .models import ColumnMapping


class UploadForm(forms.Form):
    format = forms.ChoiceField(label=_("Formato"))
    municipality = forms.ModelChoiceField(label=_("Municipio"), queryset=Municipality.objects.none())
    mapping = forms.ModelChoiceField(
        label=_("Mapeo de columnas"),
        queryset=ColumnMapping.objects.none(),
        required=False,
        help_text=_("Solo para el formato de incidentes genéricos."),
    )
    on_error = forms.ChoiceField(label=_("Ante filas inválidas"), choices=OnError.choices, initial=OnError.REJECT)
    file = forms.FileField(label=_("Archivo"))
    cutoff = forms.DateField(
        label=_("Fecha de corte"),
        required=False,
        help_text=_("CEAD: último día con datos cargados (AAAA-MM-DD). Vacío: se infiere del archivo."),
    )
    catalogue_version = forms.CharField(
        label=_("Versión del catálogo"),
        required=False,
        max_length=50,
        help_text=_("Opcional: p. ej. RNID o 2024. Vacío: se elige la que mejor reconoce el archivo."),
    )
    level = forms.CharField(
        label=_("Nivel territorial"),
        required=False,
        max_length=50,
        help_text=_("Límites: municipio, zona, sector, cuadrante, unidad vecinal, colonia..."),
    )
    layer = forms.CharField(
        label=_("Capa"),
        required=False,
        max_length=100,
        help_text=_("Límites en un GeoPackage con varias capas: el nombre de la capa."),
    )
    code_column = forms.CharField(
        label=_("Columna del código"),
        required=False,
        max_length=100,
        help_text=_(
            "Varias columnas separadas por comas si el código es único solo en combinación (sector,cuadrante)."
        ),
    )
    municipality_column = forms.CharField(
        label=_("Columna del código de municipio"),
        required=False,
        max_length=100,
        help_text=_("Archivos de varios municipios: la columna con el CVEGEO o CUT de cada objeto."),
    )
    name_column = forms.CharField(label=_("Columna del nombre"), required=False, max_length=100)
    parent_column = forms.CharField(label=_("Columna del territorio padre"), required=False, max_length=100)
    population_column = forms.CharField(label=_("Columna de población"), required=False, max_length=100)
    population_year = forms.IntegerField(label=_("Año de la población"), required=False, min_value=1900, max_value=2100)

    BOUNDARY_OPTIONS = (
        "layer",
        "code_column",
        "municipality_column",
        "name_column",
        "parent_column",
        "population_column",
    )

    def job_options(self) -> dict:
        """What the import needs beyond format, municipality and mapping, as stored on the job."""
        data = self.cleaned_data
        options = {
            "cutoff": data["cutoff"].isoformat() if data.get("cutoff") else None,
            "catalogue_version": data.get("catalogue_version") or None,
            "level": data.get("level") or None,
            "population_year": data.get("population_year"),
            "reader_options": {k: data[k] for k in self.BOUNDARY_OPTIONS if data.get(k)},
        }
        return {k: v for k, v in options.items() if v}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Data first (what an analyst imports most), boundaries last; no default, so nobody uploads by accident
        # a crime file as boundaries. Users see the description; the key is for the CLI and the API.
        kinds = {"aggregates": 0, "incidents": 1, "territories": 2}
        ordered = sorted(READERS.values(), key=lambda spec: (kinds.get(spec.kind, 9), spec.name))
        self.fields["format"].choices = [("", _("— elija el formato —"))] + [
            (spec.name, format_label(spec.name)) for spec in ordered
        ]
        self.fields["municipality"].queryset = import_municipalities(user)
        self.fields["mapping"].queryset = ColumnMapping.objects.usable_by(user).order_by("name")
        only = list(self.fields["municipality"].queryset[:2])
        if len(only) == 1:  # most analysts work for one municipality: do not make them pick it
            self.fields["municipality"].initial = only[0].pk

    def clean_file(self):
        from atalaya.core.uploads import checked_size

        return checked_size(self.cleaned_data["file"])

    def clean(self):
        data = super().clean()
        spec = READERS.get(data.get("format", ""))
        if spec is not None and "mapping" in spec.options and not data.get("mapping"):
            self.add_error("mapping", _("Este formato necesita un mapeo de columnas."))
        mapping, municipality = data.get("mapping"), data.get("municipality")
        if mapping and municipality and mapping.municipality_id not in (None, municipality.pk):
            self.add_error("mapping", _("Este mapeo es de otro municipio: elija uno de %(m)s o uno compartido.")
                           % {"m": municipality.name})  # fmt: skip
        if spec is not None and spec.kind == "territories" and not data.get("level"):
            self.add_error("level", _("Indique el nivel territorial de los límites."))
        return data


class MappingForm(MunicipalityOwnedForm, forms.ModelForm):
    """A column mapping edited field by field (the JSON definition is built from the answers)."""

    source = forms.SlugField(
        label=_("Fuente"),
        max_length=80,
        help_text=_("Quién produce los datos, p. ej. policia-municipal. Identifica los registros al reimportar."),
    )
    catalogue = forms.CharField(
        label=_("Catálogo de categorías"),
        max_length=80,
        required=False,
        help_text=_("sesnsp, cdmx-fgj o cead si las etiquetas siguen esos catálogos; vacío: catálogo propio."),
    )
    record_id = forms.CharField(label=_("Columna del identificador"), required=False, max_length=100)
    date = forms.CharField(label=_("Columna de la fecha"), max_length=100)
    time = forms.CharField(label=_("Columna de la hora"), required=False, max_length=100)
    category = forms.CharField(
        label=_("Columna(s) de la categoría"),
        max_length=300,
        help_text=_("Varias columnas separadas por comas forman una ruta: tipo, subtipo, modalidad."),
    )
    category_parent = forms.CharField(label=_("Columna de la categoría superior"), required=False, max_length=100)
    lat = forms.CharField(label=_("Columna de la latitud (o Y)"), required=False, max_length=100)
    lon = forms.CharField(label=_("Columna de la longitud (o X)"), required=False, max_length=100)
    crs = forms.CharField(
        label=_("Sistema de coordenadas"),
        required=False,
        max_length=50,
        help_text=_("Vacío o EPSG:4326 para grados; p. ej. EPSG:32719 para UTM 19 sur."),
    )
    territory = forms.CharField(label=_("Columna del código de territorio"), required=False, max_length=100)
    attributes = forms.CharField(
        label=_("Columnas que se conservan como atributos"),
        required=False,
        max_length=500,
        help_text=_("Separadas por comas."),
    )

    class Meta:
        model = ColumnMapping
        fields = ["name", "municipality", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        definition = self.instance.definition if self.instance.pk else {}
        columns = definition.get("columns", {})
        for field in ("record_id", "date", "time", "category_parent", "territory"):
            self.fields[field].initial = columns.get(field, "")
        category = columns.get("category", "")
        self.fields["category"].initial = ", ".join(category) if isinstance(category, list) else category
        projected = bool(definition.get("crs")) and "x" in columns
        self.fields["lat"].initial = columns.get("y" if projected else "lat", "")
        self.fields["lon"].initial = columns.get("x" if projected else "lon", "")
        self.fields["crs"].initial = definition.get("crs", "")
        self.fields["source"].initial = definition.get("source", "")
        self.fields["catalogue"].initial = definition.get("catalogue", "")
        self.fields["attributes"].initial = ", ".join(definition.get("attributes", []))

    def clean(self):
        from atalaya.analysis.readers.incidents import validate_mapping

        data = super().clean()
        definition = self.definition()
        for message in validate_mapping(definition):
            self.add_error(None, message)
        return data

    def definition(self) -> dict:
        data = self.cleaned_data

        def split(text: str) -> list[str]:
            return [part.strip() for part in (text or "").split(",") if part.strip()]

        category = split(data.get("category", ""))
        crs = (data.get("crs") or "").strip()
        projected = bool(crs) and crs.upper() not in ("EPSG:4326", "WGS84")
        columns = {
            "record_id": data.get("record_id"),
            "date": data.get("date"),
            "time": data.get("time"),
            "category": category if len(category) > 1 else (category[0] if category else ""),
            "category_parent": data.get("category_parent"),
            "territory": data.get("territory"),
            ("y" if projected else "lat"): data.get("lat"),
            ("x" if projected else "lon"): data.get("lon"),
        }
        definition = {
            "source": data.get("source"),
            "columns": {k: v for k, v in columns.items() if v},
            "attributes": split(data.get("attributes", "")),
        }
        if data.get("catalogue"):
            definition["catalogue"] = data["catalogue"]
        if projected:
            definition["crs"] = crs
        return definition

    def save(self, commit: bool = True):
        self.instance.definition = self.definition()
        return super().save(commit)
