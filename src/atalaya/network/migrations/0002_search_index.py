from django.db import migrations


def create(apps, schema_editor):
    from atalaya.network.search import create_index

    create_index(schema_editor)


def drop(apps, schema_editor):
    from atalaya.network.search import drop_index

    drop_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
