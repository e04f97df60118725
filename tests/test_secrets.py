"""Credential store: round trips, the large-secret scheme, the allow-list and the no-keychain path."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.backends.SecretService
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keyring.errors import KeyringLocked

from ec_console import logs, paths, secrets
from ec_console.errors import BadInput, ConsoleError, ExitStatus, KeychainUnavailable
from ec_console.secrets import (
    ITEM_LIMIT_BYTES,
    KeyringStore,
    MemoryStore,
    SecretUnreadable,
    blob_key_name,
    blob_path,
    default_store,
    secret_key,
)

KEY = "us/Contoso%20EWS/password"


class RecordingPlaintextKeyring(keyring.backend.KeyringBackend):
    """Stands in for keyrings.alt's PlaintextKeyring: stores in the clear and records every call."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []

    def get_password(self, service, username):
        self.calls.append("get")
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.calls.append("set")
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.calls.append("delete")
        self.items.pop((service, username), None)


RecordingPlaintextKeyring.__module__ = "keyrings.alt.file"
RecordingPlaintextKeyring.__qualname__ = RecordingPlaintextKeyring.__name__ = "PlaintextKeyring"


class SpoofedSecretService(RecordingPlaintextKeyring):
    """Claims the Secret Service backend's name but is not that class."""


SpoofedSecretService.__module__ = "keyring.backends.SecretService"
SpoofedSecretService.__qualname__ = SpoofedSecretService.__name__ = "Keyring"


@pytest.fixture(autouse=True)
def restore_keyring():
    original = keyring.get_keyring()
    yield
    keyring.set_keyring(original)
    logs.clear_registered_secrets()


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def assert_nowhere_on_disk(home: Path, value: str) -> None:
    """Neither the value nor any 24-character piece of it is in any file under `home`."""
    needle = value.encode("utf-8")
    pieces = {needle[i : i + 24] for i in range(0, max(1, len(needle) - 24), 97)}
    for path in files_under(home):
        content = path.read_bytes()
        assert needle not in content, path
        assert not any(piece in content for piece in pieces), path


# -- interface -----------------------------------------------------------------------------------


def test_small_secret_round_trip_and_delete():
    store = MemoryStore()
    assert store.get(KEY) is None
    store.set(KEY, "correct horse battery staple")
    assert store.get(KEY) == "correct horse battery staple"
    store.set(KEY, "second value")
    assert store.get(KEY) == "second value"
    store.delete(KEY)
    assert store.get(KEY) is None
    store.delete(KEY)  # absent: no error


def test_small_secret_stays_in_the_keychain_only(ec_home):
    store = MemoryStore()
    store.set(KEY, "p" * ITEM_LIMIT_BYTES)
    assert list(store.item_names()) == [KEY]
    assert files_under(ec_home) == []


def test_secrets_are_kept_apart_by_key():
    store = MemoryStore()
    us, de = secret_key("us", "Contoso", "password"), secret_key("de", "Contoso", "password")
    store.set(us, "us-secret-value")
    store.set(de, "de-secret-value")
    assert (store.get(us), store.get(de)) == ("us-secret-value", "de-secret-value")


def test_secret_key_namespaces_region_application_and_kind():
    assert secret_key("us", "Contoso EWS", "password") == "us/Contoso%20EWS/password"
    assert secret_key("us", "a/b", "password") != secret_key("us", "a", "password")
    assert secret_key("de", "Contoso", "client_secret") != secret_key("us", "Contoso", "client_secret")
    bad_inputs = [("US", "x", "pw"), ("us", "  ", "pw"), ("us", "x", "Pass/word"), ("us", "a\nb", "pw")]
    for bad in bad_inputs:
        with pytest.raises(BadInput):
            secret_key(*bad)


def test_reserved_and_empty_input_is_refused():
    store = MemoryStore()
    with pytest.raises(BadInput):
        store.set(blob_key_name(KEY), "value")
    with pytest.raises(BadInput):
        store.set(KEY, "")
    with pytest.raises(BadInput):
        store.get("")


def test_values_read_or_written_are_redacted_from_logs():
    store = MemoryStore()
    store.set(KEY, "Tr0ub4dor&3-secret")
    assert "Tr0ub4dor" not in logs.redact("login with Tr0ub4dor&3-secret failed")
    logs.clear_registered_secrets()
    store.get(KEY)
    assert "Tr0ub4dor" not in logs.redact("login with Tr0ub4dor&3-secret failed")


# -- large secrets -------------------------------------------------------------------------------


def google_key_like(size: int) -> str:
    body = ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" * (size // 32 + 1))[:size]
    return '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n' + body + '"}'


@pytest.mark.parametrize("size", [3 * 1024, 64 * 1024])
def test_large_secret_is_encrypted_on_disk(ec_home, size):
    store = MemoryStore()
    value = google_key_like(size)
    store.set(KEY, value)

    assert store.get(KEY) == value
    path = blob_path(KEY)
    assert path.parent == paths.data_dir() / "secrets"
    assert path.is_file() and len(path.read_bytes()) > size
    assert "Contoso" not in path.name
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert_nowhere_on_disk(ec_home, value)
    # Only the data key reached the keychain, and every item fits a Windows credential.
    assert list(store.item_names()) == [blob_key_name(KEY)]
    assert len(store._get_item(blob_key_name(KEY))) < 100


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(min_size=ITEM_LIMIT_BYTES + 1, max_size=3000))
def test_any_large_text_round_trips(value):
    store = MemoryStore()
    store.set(KEY, value)
    assert store.get(KEY) == value
    store.delete(KEY)


def test_the_limit_is_counted_in_utf8_bytes(ec_home):
    store = MemoryStore()
    value = "é" * (ITEM_LIMIT_BYTES // 2 + 1)  # under the limit in characters, over it in bytes
    store.set(KEY, value)
    assert blob_path(KEY).exists()
    assert store.get(KEY) == value


def test_each_write_uses_a_fresh_data_key():
    store = MemoryStore()
    value = google_key_like(3000)
    store.set(KEY, value)
    first = (store._get_item(blob_key_name(KEY)), blob_path(KEY).read_bytes())
    store.set(KEY, value)
    second = (store._get_item(blob_key_name(KEY)), blob_path(KEY).read_bytes())
    assert first[0] != second[0] and first[1] != second[1]


def test_overwriting_large_with_small_removes_the_blob_and_back():
    store = MemoryStore()
    store.set(KEY, google_key_like(3000))
    store.set(KEY, "small now")
    assert not blob_path(KEY).exists()
    assert list(store.item_names()) == [KEY]
    assert store.get(KEY) == "small now"
    store.set(KEY, google_key_like(5000))
    assert list(store.item_names()) == [blob_key_name(KEY)]
    assert store.get(KEY) == google_key_like(5000)


def test_delete_removes_blob_and_data_key(ec_home):
    store = MemoryStore()
    store.set(KEY, google_key_like(3000))
    store.delete(KEY)
    assert store.get(KEY) is None
    assert list(store.item_names()) == []
    assert files_under(ec_home) == []


def test_tampered_blob_is_detected():
    store = MemoryStore()
    store.set(KEY, google_key_like(3000))
    path = blob_path(KEY)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(SecretUnreadable, match="integrity check"):
        store.get(KEY)


def test_blobs_cannot_be_swapped_between_secrets():
    store = MemoryStore()
    other = secret_key("us", "Fabrikam", "service_account_key")
    store.set(KEY, google_key_like(3000))
    store.set(other, google_key_like(4000))
    blob_path(KEY).write_bytes(blob_path(other).read_bytes())
    with pytest.raises(SecretUnreadable):
        store.get(KEY)
    # Even with its data key copied too, the associated data binds the blob to its own name.
    store._set_item(blob_key_name(KEY), store._get_item(blob_key_name(other)))
    with pytest.raises(SecretUnreadable, match="belongs to another secret"):
        store.get(KEY)


def test_orphaned_blob_and_missing_blob_are_clear_errors():
    store = MemoryStore()
    store.set(KEY, google_key_like(3000))
    store._delete_item(blob_key_name(KEY))
    with pytest.raises(SecretUnreadable, match="no key in the keychain") as orphan:
        store.get(KEY)
    assert orphan.value.exit_status == ExitStatus.STEP_FAILED

    store.set(KEY, google_key_like(3000))
    blob_path(KEY).unlink()
    with pytest.raises(SecretUnreadable, match="missing"):
        store.get(KEY)


def test_garbage_blob_is_reported_not_raised_as_a_traceback():
    store = MemoryStore()
    store.set(KEY, google_key_like(3000))
    blob_path(KEY).write_bytes(b"not a blob")
    with pytest.raises(SecretUnreadable, match="not in a known format"):
        store.get(KEY)


def test_failed_blob_write_leaves_no_data_key(ec_home):
    store = MemoryStore()
    (paths.data_dir() / "secrets").write_bytes(b"")  # a file where the folder should be
    with pytest.raises(ConsoleError, match="Could not write the encrypted secret file"):
        store.set(KEY, google_key_like(3000))
    assert list(store.item_names()) == []


# -- no usable keychain: exit status 3, nothing written ------------------------------------------


def test_unusable_store_writes_nothing_anywhere(ec_home):
    store = MemoryStore(usable=False)
    for value in ("small", google_key_like(3000)):
        with pytest.raises(KeychainUnavailable) as err:
            store.set(KEY, value)
        assert err.value.exit_status == ExitStatus.NO_KEYCHAIN == 3
    assert list(store.item_names()) == []
    assert files_under(ec_home) == []


def test_no_keyring_backend_is_exit_status_3_and_nothing_written(ec_home, monkeypatch):
    monkeypatch.delenv(secrets.STORE_ENV, raising=False)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = default_store()
    assert isinstance(store, KeyringStore)
    with pytest.raises(KeychainUnavailable) as err:
        store.check_usable()
    assert err.value.exit_status == 3
    for value in ("small", google_key_like(3000)):
        with pytest.raises(KeychainUnavailable):
            store.set(KEY, value)
    with pytest.raises(KeychainUnavailable):
        store.get(KEY)
    assert files_under(ec_home) == []


@pytest.mark.parametrize(
    "backend",
    [RecordingPlaintextKeyring(), SpoofedSecretService(), keyring.backends.null.Keyring()],
    ids=["plaintext", "spoofed-name", "null"],
)
def test_insecure_backends_are_refused_before_any_call(ec_home, backend):
    keyring.set_keyring(backend)
    store = KeyringStore()
    assert not secrets.is_allowed_backend(backend)
    assert "not allowed" in store.backend_name
    with pytest.raises(KeychainUnavailable, match="not allowed") as err:
        store.set(KEY, google_key_like(3000))
    assert err.value.exit_status == 3
    with pytest.raises(KeychainUnavailable):
        store.check_usable()
    assert getattr(backend, "calls", []) == []
    assert files_under(ec_home) == []


def test_refusal_says_what_to_install_or_unlock(monkeypatch):
    monkeypatch.setattr(secrets.sys, "platform", "linux")
    with pytest.raises(KeychainUnavailable) as err:
        KeyringStore(RecordingPlaintextKeyring()).check_usable()
    assert "gnome-keyring" in err.value.message and "KWallet" in err.value.message
    assert "login keychain" in secrets.unlock_advice("darwin")
    assert "Credential Manager" in secrets.unlock_advice("win32")


def test_chainer_is_accepted_only_when_every_member_is_allowed(monkeypatch):
    chainer_cls = keyring.backends.chainer.ChainerBackend
    secret_service = keyring.backends.SecretService.Keyring()
    monkeypatch.setattr(chainer_cls, "backends", [secret_service])
    assert secrets.is_allowed_backend(chainer_cls())
    assert KeyringStore(chainer_cls()).backend_name == "Secret Service"

    monkeypatch.setattr(chainer_cls, "backends", [secret_service, RecordingPlaintextKeyring()])
    assert secrets.refused_members(chainer_cls()) == ["keyrings.alt.file.PlaintextKeyring"]
    with pytest.raises(KeychainUnavailable, match="PlaintextKeyring"):
        KeyringStore(chainer_cls()).check_usable()

    monkeypatch.setattr(chainer_cls, "backends", [])
    assert not secrets.is_allowed_backend(chainer_cls())


def test_allowed_backend_that_is_locked_is_unavailable(monkeypatch, ec_home):
    def locked(self, service, username):
        raise KeyringLocked("Failed to unlock the collection!")

    monkeypatch.setattr(keyring.backends.SecretService.Keyring, "get_password", locked)
    store = KeyringStore(keyring.backends.SecretService.Keyring())
    assert secrets.is_allowed_backend(store.backend)
    with pytest.raises(KeychainUnavailable, match="is locked") as err:
        store.set(KEY, google_key_like(3000))
    assert err.value.exit_status == 3
    assert files_under(ec_home) == []


def test_allowed_backend_without_a_session_bus_is_unavailable(monkeypatch, tmp_path, ec_home):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus-here'}")
    store = KeyringStore(keyring.backends.SecretService.Keyring())
    with pytest.raises(KeychainUnavailable) as err:
        store.set(KEY, google_key_like(3000))
    assert err.value.exit_status == 3
    assert "Secret Service" in err.value.message
    assert files_under(ec_home) == []


# -- default_store ---------------------------------------------------------------------------------


def test_default_store_choice(monkeypatch, tmp_path):
    monkeypatch.setenv(secrets.STORE_ENV, "memory")
    first = default_store()
    assert isinstance(first, MemoryStore)
    first.set(KEY, "shared within the process")
    assert default_store() is first
    monkeypatch.setenv("EC_CONSOLE_HOME", str(tmp_path / "another-home"))
    assert default_store() is not first
    assert default_store().get(KEY) is None

    monkeypatch.setenv(secrets.STORE_ENV, "keyring")
    assert isinstance(default_store(), KeyringStore)
    monkeypatch.setenv(secrets.STORE_ENV, "plaintext")
    with pytest.raises(BadInput, match="must be 'keyring' or 'memory'"):
        default_store()


@pytest.fixture
def german(compiled_catalogs):
    from ec_console import i18n

    i18n.set_language("de")
    yield
    i18n.set_language(None)


def test_keychain_refusals_and_advice_are_german_with_commands_kept(german, monkeypatch, ec_home):
    def locked(self, service, username):
        raise KeyringLocked("Failed to unlock the collection!")

    monkeypatch.setattr(secrets.sys, "platform", "win32")
    monkeypatch.setattr(keyring.backends.SecretService.Keyring, "get_password", locked)
    with pytest.raises(KeychainUnavailable) as err:
        KeyringStore(keyring.backends.SecretService.Keyring()).check_usable()
    assert err.value.message == (
        "Der Schlüsselbund (Secret Service) ist gesperrt. Stellen Sie unter Windows sicher, dass der Dienst "
        "„Anmeldeinformationsverwaltung“ (VaultSvc) läuft (services.msc, oder `Start-Service VaultSvc` in "
        "PowerShell).")
    with pytest.raises(KeychainUnavailable, match="^Kein sicherer Schlüsselbund verfügbar: .*Plaintext"):
        KeyringStore(RecordingPlaintextKeyring()).check_usable()
    assert files_under(ec_home) == []


def test_an_unreadable_secret_and_bad_input_are_german(german):
    store = MemoryStore()
    store.set(KEY, google_key_like(3000))
    path = blob_path(KEY)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(SecretUnreadable, match="hat die Integritätsprüfung nicht bestanden") as err:
        store.get(KEY)
    assert err.value.code == "secret_unreadable" and str(path) in err.value.message
    with pytest.raises(BadInput, match="^Ein leeres Geheimnis wird nicht gespeichert; löschen Sie es"):
        store.set(KEY, "")
    with pytest.raises(BadInput, match="^Der Name der Anwendung ist länger als 200 Zeichen.$"):
        secret_key("us", "x" * 201, "password")
