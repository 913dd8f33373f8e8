"""Two or more sources per reconciliation (in order), the stage of each pair, and the published dataset."""

import django.db.models.deletion
from django.db import migrations, models


def sources_from_pair(apps, schema_editor):
    Reconciliation = apps.get_model("reconciliation", "Reconciliation")
    for reconciliation in Reconciliation.objects.all():
        reconciliation.sources = [reconciliation.source_a, reconciliation.source_b]
        reconciliation.save(update_fields=["sources"])


def pair_from_sources(apps, schema_editor):
    Reconciliation = apps.get_model("reconciliation", "Reconciliation")
    for reconciliation in Reconciliation.objects.all():
        reconciliation.source_a, reconciliation.source_b = (reconciliation.sources + ["", ""])[:2]
        reconciliation.save(update_fields=["source_a", "source_b"])


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0002_versioned_releases"),
        ("reconciliation", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="reconciliation",
            name="sources",
            field=models.JSONField(
                default=list, help_text="Dos o más, en el orden en que se concilian.", verbose_name="fuentes"
            ),
        ),
        migrations.RunPython(sources_from_pair, pair_from_sources),
        migrations.RemoveField(model_name="reconciliation", name="source_a"),
        migrations.RemoveField(model_name="reconciliation", name="source_b"),
        migrations.AddField(
            model_name="reconciledpair",
            name="stage",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="0: las dos primeras fuentes; 1: lo conciliado frente a la tercera…",
                verbose_name="etapa",
            ),
        ),
        migrations.AddField(
            model_name="reconciliation",
            name="published",
            field=models.ForeignKey(
                blank=True,
                help_text="El conjunto «conciliada» que escribió su cifra, si se publicó.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="datasets.dataset",
                verbose_name="publicada como",
            ),
        ),
        migrations.AlterField(
            model_name="reconciledpair",
            name="status",
            field=models.CharField(
                choices=[
                    ("coincide", "mismo hecho"),
                    ("conflicto", "en conflicto"),
                    ("solo_a", "solo en la primera fuente (o en las ya conciliadas)"),
                    ("solo_b", "solo en la fuente que se incorpora"),
                ],
                max_length=12,
                verbose_name="resultado",
            ),
        ),
    ]
