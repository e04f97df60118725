"""KeyringStore against a real Secret Service: gnome-keyring in its own private D-Bus session.

Skipped with a reason when dbus-daemon or gnome-keyring-daemon is not installed, unless
EC_REQUIRE_SECRET_SERVICE=1 (CI) makes that a failure. See docs/secrets-and-logs.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ec_console import logs
from ec_console.errors import ExitStatus, KeychainUnavailable
from ec_console.secrets import (
    SERVICE_NAME,
    KeyringStore,
    blob_key_name,
    blob_path,
    is_allowed_backend,
    secret_key,
)

try:
    from tests.secret_service import PrivateSecretService, SecretServiceUnavailable, missing_daemons, required
except ImportError:  # pytest run from elsewhere, with only tests/ on sys.path
    from secret_service import PrivateSecretService, SecretServiceUnavailable, missing_daemons, required

pytestmark = pytest.mark.secret_service

KEY = secret_key("de", "Fabrikam Google", "service_account_key")


def _start() -> PrivateSecretService:
    missing = missing_daemons()
    if missing:
        reason = f"Secret Service tests need {', '.join(missing)} (apt-get install dbus gnome-keyring)"
        if required():
            pytest.fail(f"{reason}; EC_REQUIRE_SECRET_SERVICE=1 makes this a failure")
        pytest.skip(reason)
    service = PrivateSecretService()
    try:
        return service.__enter__()
    except SecretServiceUnavailable as exc:
        pytest.fail(f"could not start a private Secret Service: {exc}")


@pytest.fixture(scope="module")
def shared_service() -> Iterator[PrivateSecretService]:
    service = _start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def bus(shared_service, monkeypatch) -> PrivateSecretService:
    for name, value in shared_service.environment.items():
        monkeypatch.setenv(name, value)
    yield shared_service
    logs.clear_registered_secrets()


@pytest.fixture
def store(bus) -> KeyringStore:
    from keyring.backends.SecretService import Keyring

    return KeyringStore(Keyring())


def stored_items(key: str) -> list[str]:
    """What gnome-keyring itself holds for `key`, read straight through secretstorage."""
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        items = collection.search_items({"service": SERVICE_NAME, "username": key})
        return [item.get_secret().decode("utf-8") for item in items]
    finally:
        connection.close()


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def google_key_like(size: int) -> str:
    body = ("MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC" * (size // 48 + 1))[:size]
    return '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n' + body + '"}'


def test_the_real_backend_is_allowed_and_usable(store):
    assert is_allowed_backend(store.backend)
    assert store.backend_name == "Secret Service"
    store.check_usable()


def test_small_secret_round_trip_through_gnome_keyring(store):
    key = secret_key("us", "Contoso EWS", "password")
    assert store.get(key) is None
    store.set(key, "Winter2026!service")
    assert stored_items(key) == ["Winter2026!service"]
    assert store.get(key) == "Winter2026!service"
    store.set(key, "Spring2026!service")
    assert store.get(key) == "Spring2026!service"
    store.delete(key)
    assert stored_items(key) == []
    assert store.get(key) is None
    store.delete(key)  # absent: no error


@pytest.mark.parametrize("size", [3 * 1024, 64 * 1024])
def test_large_secret_through_gnome_keyring(store, bus, ec_home, size):
    value = google_key_like(size)
    store.set(KEY, value)

    assert stored_items(KEY) == []  # nothing large in the keychain itself
    (data_key,) = stored_items(blob_key_name(KEY))
    assert len(data_key) < 100
    assert blob_path(KEY).is_file()
    assert store.get(KEY) == value
    needle = value[:200].encode()
    for path in files_under(ec_home) + files_under(bus.root):
        assert needle not in path.read_bytes(), path

    store.set(KEY, "now a short secret")
    assert not blob_path(KEY).exists() and stored_items(blob_key_name(KEY)) == []
    assert store.get(KEY) == "now a short secret"
    store.delete(KEY)
    assert stored_items(KEY) == [] and store.get(KEY) is None


def test_tampered_blob_with_the_real_keychain(store):
    from ec_console.secrets import SecretUnreadable

    store.set(KEY, google_key_like(3000))
    path = blob_path(KEY)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x80
    path.write_bytes(bytes(data))
    with pytest.raises(SecretUnreadable):
        store.get(KEY)
    store.delete(KEY)
    assert not path.exists() and stored_items(blob_key_name(KEY)) == []


def test_locked_keyring_is_exit_status_3_and_nothing_written(monkeypatch, ec_home):
    from keyring.backends.SecretService import Keyring

    service = _start()  # its own daemon: a locked collection cannot be unlocked without a prompt
    try:
        for name, value in service.environment.items():
            monkeypatch.setenv(name, value)
        store = KeyringStore(Keyring())
        store.check_usable()
        service.lock_default_collection()
        with pytest.raises(KeychainUnavailable, match="locked") as err:
            store.set(KEY, google_key_like(3000))
        assert err.value.exit_status == ExitStatus.NO_KEYCHAIN
        with pytest.raises(KeychainUnavailable):
            store.check_usable()
        assert files_under(ec_home) == []
    finally:
        service.stop()


def test_helper_leaves_no_process_behind():
    service = _start()
    pids = [process.pid for process in service.processes]
    root = service.root
    assert len(pids) == 2 and all(process.poll() is None for process in service.processes)
    service.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert root is not None and not root.exists()
