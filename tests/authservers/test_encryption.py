"""Keys and secrets at rest: never plaintext in the database, re-encryption under a new KEK, and a
wrong KEK stops the start with a plain message."""

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from authservers.models import SigningKey
from clients.models import ClientSecret
from config.startup import verify_runtime_configuration
from tests.conftest import clear_snapshot_caches
from tests.helpers import basic_auth_header, endpoint, post_form

OLD = "dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0wMDA="  # config/settings/test.py


def _every_row_as_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [name for (name,) in cursor.fetchall()]
        dump = []
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            dump += [row for (row,) in cursor.fetchall()]
    return "\n".join(dump)


def _token_status(client, registered):
    response = post_form(client, endpoint("token"), {"grant_type": "client_credentials", "scope": "orders:read"},
                         HTTP_AUTHORIZATION=basic_auth_header(registered.client_id, registered.secret))
    return response.status_code


@pytest.mark.django_db
def test_database_never_holds_private_keys_or_secrets_in_plaintext(client, authserver, scope, service_client):
    from authservers.key_lifecycle import signing_key_rotate_now
    from authservers.keys import load_private_key

    signing_key_rotate_now(server=authserver)
    assert _token_status(client, service_client) == 200
    dump = _every_row_as_text()
    assert "-----BEGIN" not in dump and "PRIVATE KEY" not in dump
    assert service_client.secret not in dump
    for key in SigningKey.objects.all():
        private = load_private_key(key.encrypted_private_key).export(as_dict=True)
        assert private["d"] not in dump and private["p"] not in dump


@pytest.mark.django_db
def test_reencryptkeys_moves_everything_to_the_new_kek(client, authserver, scope, service_client, settings):
    new = Fernet.generate_key().decode()
    settings.CASTELLAN_KEY_ENCRYPTION_KEY = f"{new},{OLD}"
    out = StringIO()
    call_command("reencryptkeys", "--dry-run", "--json", stdout=out)
    planned = json.loads(out.getvalue())
    assert planned["signingKeys"]["reencrypted"] == 2 and planned["clientSecrets"]["reencrypted"] == 1
    assert Fernet(OLD.encode()).decrypt(SigningKey.objects.first().encrypted_private_key.encode())  # unchanged

    out = StringIO()
    call_command("reencryptkeys", "--batch-size", "1", stdout=out)
    assert "Signing keys: 2 re-encrypted" in out.getvalue()

    rows = [key.encrypted_private_key for key in SigningKey.objects.all()]
    rows += [secret.encrypted_secret for secret in ClientSecret.objects.all()]
    for blob in rows:
        Fernet(new.encode()).decrypt(blob.encode())
        with pytest.raises(InvalidToken):
            Fernet(OLD.encode()).decrypt(blob.encode())

    out = StringIO()
    call_command("reencryptkeys", "--json", stdout=out)  # idempotent: nothing left to do
    again = json.loads(out.getvalue())
    assert again["signingKeys"] == {"total": 2, "reencrypted": 0, "current": 2}

    settings.CASTELLAN_KEY_ENCRYPTION_KEY = new  # the old key is gone: everything still works
    clear_snapshot_caches()
    assert _token_status(client, service_client) == 200


@pytest.mark.django_db
def test_reencryptkeys_without_the_old_key_fails_plainly(authserver, settings):
    settings.CASTELLAN_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    err = StringIO()
    with pytest.raises(Exception, match="keep the old key in the list"):
        call_command("reencryptkeys", stdout=StringIO(), stderr=err)


@pytest.mark.django_db
def test_wrong_kek_stops_the_start_with_a_plain_message(authserver, settings, capsys):
    settings.CASTELLAN_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(SystemExit) as excinfo:
        verify_runtime_configuration()
    assert excinfo.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Castellan cannot start:")
    assert "not the key they were encrypted with" in err
    assert "Traceback" not in err


@pytest.mark.django_db
def test_malformed_kek_stops_the_start_with_a_plain_message(authserver, settings, capsys):
    settings.CASTELLAN_KEY_ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(SystemExit):
        verify_runtime_configuration()
    assert "must be Fernet keys" in capsys.readouterr().err
