"""The security foundation: sensitivity registry, append-only logs, request ids, audit, field encryption,
emergency access. Checked against the real database (SQLite or PostgreSQL), reading raw rows where it matters."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from atalaya.accounts.models import Membership, Role
from atalaya.core import appendonly, audit, context, crypto, sensitivity
from atalaya.core.changelog import log_change
from atalaya.core.models import AccessGrant, AccessLogEntry, ChangeLogEntry
from atalaya.core.services import active_grant, grant_emergency_access, rotate_keys
from atalaya.geo.models import Municipality
from tests.securityapp.models import IdentityRecord


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def keys(settings):
    """A configured key ring of its own for each test (and the cache forgotten before and after)."""
    settings.ATALAYA_FIELD_KEYS = f"uno:{_key()}"
    settings.ATALAYA_BLIND_INDEX_KEY = _key()
    crypto.reset_key_ring()
    yield settings
    crypto.reset_key_ring()


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(table)}")
        return [row[0] for row in cursor.fetchall()]


# --- sensitivity -------------------------------------------------------------------------------------------


def test_every_model_is_classified():
    assert sensitivity.unclassified_models() == []


def test_classes_that_matter():
    assert sensitivity.sensitivity_of("indicators.publicvalue") == sensitivity.PUBLIC
    assert sensitivity.sensitivity_of("datasets.incident") == sensitivity.INTERNAL
    assert sensitivity.sensitivity_of("auth.user") == sensitivity.PERSONAL
    assert sensitivity.sensitivity_of(IdentityRecord) == sensitivity.SENSITIVE
    sensitivity.require_public(Municipality)
    with pytest.raises(PermissionError):
        sensitivity.require_public(IdentityRecord)
    with pytest.raises(ValueError):
        sensitivity.classify("datasets.incident", sensitivity.PUBLIC)  # a second, different class is refused
    with pytest.raises(LookupError):
        sensitivity.sensitivity_of("nada.inventado")


# --- append-only logs ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("table_model", [ChangeLogEntry, AccessLogEntry])
def test_logs_refuse_update_and_delete_in_the_database(table_model):
    user = get_user_model().objects.create(username="ana")
    if table_model is ChangeLogEntry:
        entry = log_change(user=user, action="guardar", obj=user, message="prueba")
    else:
        entry = audit.write_entries(user=user, action="lectura", object_type="auth.user", object_ids=[user.pk])[0]
    for statement in (
        lambda: table_model.objects.filter(pk=entry.pk).update(object_id="otro"),
        lambda: table_model.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table_model._meta.db_table}")  # raw SQL too: the trigger, not the ORM
    assert table_model.objects.filter(pk=entry.pk, object_id=str(user.pk)).exists()
    with appendonly.maintenance():  # retention: allowed only inside the window
        table_model.objects.filter(pk=entry.pk).delete()
    assert not table_model.objects.filter(pk=entry.pk).exists()
    with pytest.raises(DatabaseError), transaction.atomic():  # and the window closed again
        table_model.objects.all().delete() if table_model.objects.exists() else table_model.objects.create(
            object_type="x"
        ).delete()


@pytest.mark.django_db
def test_deleting_a_user_leaves_their_log_rows_as_they_were():
    user = get_user_model().objects.create(username="beto")
    entry = log_change(user=user, action="guardar", obj=user, message="antes de irse")
    user.delete()
    entry = ChangeLogEntry.objects.get(pk=entry.pk)
    assert entry.username == "beto" and entry.user_id is not None


# --- request ids -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_requests_carry_an_id_and_log_rows_name_it(client):
    response = client.get("/entrar/")
    assert len(response["X-Request-ID"]) == 32
    user = get_user_model().objects.create(username="carla")
    with context.acting("trabajo:17", path="importación"):
        entry = log_change(user=user, action="importar", obj=user, message="x")
        rows = audit.write_entries(user=user, action="exportacion", object_type="auth.user")
    assert entry.request_id == "trabajo:17" and entry.origin == "web:importación"
    assert rows[0].request_id == "trabajo:17"


# --- audit ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reads_of_personal_records_are_logged_and_internal_ones_are_not(neza):
    user = get_user_model().objects.create(username="dora")
    with context.acting("req-1", path="/casos/"):
        rows = audit.record_access(
            user=user, action="lectura", model=IdentityRecord, object_ids=[1, 2], municipality=neza, reason="visita"
        )
    assert [(r.object_type, r.object_id, r.username, r.municipality_id) for r in rows] == [
        ("securityapp.identityrecord", "1", "dora", neza.pk),
        ("securityapp.identityrecord", "2", "dora", neza.pk),
    ]
    assert audit.record_access(user=user, action="lectura", model=Municipality, object_ids=[neza.pk]) == []
    assert AccessLogEntry.objects.count() == 2


# --- field encryption -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_holds_no_plaintext(keys):
    record = IdentityRecord.objects.create(
        code="P-001",
        full_name="Juana Pérez Soto",
        national_id="12.345.678-5",
        national_id_index=crypto.blind_index("123456785", "rut"),
    )
    stored = _raw("securityapp_identityrecord", "full_name") + _raw("securityapp_identityrecord", "national_id")
    assert all(value.startswith("enc:v1:uno:") for value in stored)
    assert not any("Juana" in value or "345" in value for value in stored)
    again = IdentityRecord.objects.get(pk=record.pk)
    assert (again.full_name, again.national_id) == ("Juana Pérez Soto", "12.345.678-5")
    # Exact-match search through the blind index; the encrypted column itself cannot be filtered.
    found = IdentityRecord.objects.filter(national_id_index=crypto.blind_index("123456785", "rut"))
    assert list(found) == [again]
    with pytest.raises(Exception, match=r"(?i)unsupported lookup"):
        list(IdentityRecord.objects.filter(national_id="12.345.678-5"))
    IdentityRecord.objects.create(code="P-002", full_name="", national_id=None)
    assert IdentityRecord.objects.filter(national_id__isnull=True).count() == 1


def test_tampered_or_moved_values_do_not_decrypt(keys):
    token = crypto.encrypt("Juana", "securityapp.identityrecord.full_name")
    assert crypto.decrypt(token, "securityapp.identityrecord.full_name") == "Juana"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "securityapp.identityrecord.national_id")  # copied into another column
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(flipped, "securityapp.identityrecord.full_name")
    assert crypto.encrypt("Juana", "c") != crypto.encrypt("Juana", "c")  # a fresh nonce every time
    assert crypto.blind_index("x", "rut") == crypto.blind_index("x", "rut") != crypto.blind_index("x", "curp")


def test_key_configuration_errors_are_clear():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        crypto.parse_keys(f"a:{base64.b64encode(b'corta').decode()}", _key())
    with pytest.raises(ImproperlyConfigured, match="dos veces"):
        crypto.parse_keys(f"a:{_key()},a:{_key()}", _key())
    with pytest.raises(ImproperlyConfigured, match="id:clave"):
        crypto.parse_keys(_key(), _key())


def test_without_configured_keys_a_local_key_file_is_made_once(settings, tmp_path):
    settings.ATALAYA_FIELD_KEYS = settings.ATALAYA_BLIND_INDEX_KEY = ""
    settings.DATA_DIR = tmp_path
    crypto.reset_key_ring()
    try:
        ring = crypto.key_ring()
        path = tmp_path / "claves-de-campos.json"
        assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
        crypto.reset_key_ring()
        assert crypto.key_ring() == ring  # the same keys on the next start
        settings.ATALAYA_REQUIRE_CONFIGURED_KEYS = True
        crypto.reset_key_ring()
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured):
            crypto.key_ring()
    finally:
        crypto.reset_key_ring()


@pytest.mark.django_db
def test_rotation_reencrypts_every_value_in_batches(keys):
    old = keys.ATALAYA_FIELD_KEYS
    for i in range(7):
        IdentityRecord.objects.create(code=f"P-{i}", full_name=f"Persona {i}", national_id=f"ID{i}")
    keys.ATALAYA_FIELD_KEYS = f"dos:{_key()},{old}"  # a new current key; the old one still decrypts
    crypto.reset_key_ring()
    assert rotate_keys(batch_size=3, dry_run=True)["securityapp.identityrecord.full_name"] == 7
    assert all(v.startswith("enc:v1:uno:") for v in _raw("securityapp_identityrecord", "full_name"))
    counts = rotate_keys(batch_size=3)
    assert counts["securityapp.identityrecord.full_name"] == 7 and counts["securityapp.identityrecord.national_id"] == 7
    assert all(v.startswith("enc:v1:dos:") for v in _raw("securityapp_identityrecord", "full_name"))
    assert rotate_keys(batch_size=3)["securityapp.identityrecord.full_name"] == 0  # resumable: nothing left
    keys.ATALAYA_FIELD_KEYS = keys.ATALAYA_FIELD_KEYS.split(",")[0]  # the old key retired
    crypto.reset_key_ring()
    assert sorted(IdentityRecord.objects.values_list("full_name", flat=True)) == [f"Persona {i}" for i in range(7)]


# --- emergency access -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_emergency_access_needs_a_reason_expires_is_audited_and_told(neza):
    user_model = get_user_model()
    worker = user_model.objects.create(username="eva")
    boss = user_model.objects.create(username="jefa", email="jefa@municipio.example")
    Membership.objects.create(user=boss, municipality=neza, role=Role.ADMIN)
    with pytest.raises(ValueError, match="motivo"):
        grant_emergency_access(user=worker, municipality=neza, object_type="securityapp.identityrecord", reason="x")
    grant = grant_emergency_access(
        user=worker,
        municipality=neza,
        object_type="securityapp.identityrecord",
        object_id="5",
        reason="Niña en riesgo fuera de horario",
        minutes=30,
    )
    assert active_grant(worker, neza, "securityapp.identityrecord", "5") == grant
    assert active_grant(worker, neza, "securityapp.identityrecord", "6") is None
    assert grant.is_active() and not grant.is_active(timezone.now() + dt.timedelta(minutes=31))
    entry = AccessLogEntry.objects.get(action="acceso_de_emergencia")
    assert entry.username == "eva" and "Niña en riesgo" in entry.reason
    assert [m.to for m in mail.outbox] == [["jefa@municipio.example"]]
    AccessGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    assert active_grant(worker, neza, "securityapp.identityrecord", "5") is None


@pytest.mark.django_db
def test_keys_commands(keys, capsys):
    from atalaya.cli import main
    from atalaya.cli.keys import cmd_keys_generate, cmd_keys_rotate

    assert main(["keys", "generate", "--id", "k2"]) == 0
    out = capsys.readouterr().out.splitlines()
    ring = crypto.parse_keys(out[0].split("=", 1)[1], out[1].split("=", 1)[1])
    assert ring.current == "k2"
    IdentityRecord.objects.create(code="P", full_name="Ana")
    assert cmd_keys_rotate(type("Args", (), {"batch": 10, "dry_run": True})()) == 0
    assert "securityapp.identityrecord.full_name: 0" in capsys.readouterr().out
    assert cmd_keys_generate(type("Args", (), {"id": "no-vale"})()) == 2


@pytest.mark.django_db
def test_reading_people_in_the_admin_is_audited_and_the_logs_are_read_only(verified_admin_client, admin_user):
    someone = get_user_model().objects.create(username="zoe")
    assert verified_admin_client.get(f"/admin/auth/user/{someone.pk}/change/").status_code == 200
    assert verified_admin_client.get("/admin/auth/user/?q=zoe").status_code == 200
    rows = list(AccessLogEntry.objects.filter(object_type="auth.user").values_list("action", "object_id", "username"))
    assert ("lectura", str(someone.pk), "admin") in rows and ("busqueda", str(someone.pk), "admin") in rows
    assert verified_admin_client.get("/admin/core/accesslogentry/").status_code == 200
    entry = AccessLogEntry.objects.first()
    assert verified_admin_client.get(f"/admin/core/accesslogentry/{entry.pk}/delete/").status_code == 403


def test_every_view_anyone_may_open_serves_only_public_models():
    """The portal's pages and the public API declare what they serve; each model is public, and a view that
    declared an internal one would refuse to answer."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from atalaya.core.sensitivity import PublicOutputMixin
    from atalaya.datasets.models import Incident

    def views(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from views(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), getattr(entry.callback, "view_class", None)

    public = [
        (route, view)
        for route, view in views(get_resolver().url_patterns)
        if route.startswith(("publico/", "api/public/", "open311/"))
    ]
    assert len(public) >= 7
    for route, view in public:
        assert issubclass(view, PublicOutputMixin) and view.public_models, route
        for model in view.public_models:
            assert sensitivity.sensitivity_of(model) == sensitivity.PUBLIC, (route, model)

    class Leaky(PublicOutputMixin):
        public_models = (Incident,)

    with pytest.raises(PermissionError, match="no es público"):
        Leaky().dispatch(None)
