"""Project-wide checks: migrations match the models, every model is registered, settings are sound."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


def test_production_settings_refuse_a_missing_secret(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("ATALAYA_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="ATALAYA_SECRET_KEY"):
        importlib.import_module("atalaya.web.settings.production")
