"""Credential store: secrets in the OS keychain, never anywhere else in plain form.

One small interface, `CredentialStore` (get / set / delete / backend_name / check_usable), with two
implementations:

- `KeyringStore`, over the `keyring` package, service name "ec-console". Only secure backends are
  accepted (macOS Keychain, Windows Credential Locker, Secret Service, KWallet — see `ALLOWED_BACKENDS`);
  a plaintext or encrypted-file backend, the fail/null backends and unknown third-party backends are
  refused with `KeychainUnavailable` (exit status 3). There is no fallback.
- `MemoryStore`, for tests and the sandbox demo (`EC_CONSOLE_CREDENTIAL_STORE=memory`).

Both share the large-secret scheme: a value whose UTF-8 form is over `ITEM_LIMIT_BYTES` (Windows caps one
credential at 2,560 bytes; a Google key file is bigger) is encrypted with AES-256-GCM into
`<data>/secrets/<sha256 of key>.bin`, and only its random 256-bit data key goes into the keychain, under
`blob_key_name(key)`. The associated data binds a blob to its key name, so blobs cannot be swapped.

Every value read or written is registered with `ec_console.logs.register_secret`, so it is redacted
wherever it would appear in a log or report.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from ec_console import paths
from ec_console.errors import BadInput, ConsoleError, KeychainUnavailable
from ec_console.i18n import N_, _
from ec_console.logs import redact, register_secret

SERVICE_NAME = "ec-console"
STORE_ENV = "EC_CONSOLE_CREDENTIAL_STORE"
ITEM_LIMIT_BYTES = 1024
PROBE_KEY = "ec-console/keychain-probe"
BLOB_KEY_PREFIX = "blob-key:"
SECRETS_SUBDIR = "secrets"

_BLOB_MAGIC = b"ECS1"
_NONCE_BYTES = 12
_DATA_KEY_PREFIX = "v1:"
_MAX_KEY_CHARS = 400
_REGION_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

# Allowed keyring backends, by the module and qualified name of their class (exact class, no subclass).
ALLOWED_BACKENDS: dict[str, str] = {
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Locker",
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
}
_CHAINER = "keyring.backends.chainer.ChainerBackend"

# Marked for translation; `unlock_advice()` shows them in the current language.
UNLOCK_ADVICE: dict[str, str] = {
    "linux": N_(
        "On Linux, install and unlock GNOME Keyring (package gnome-keyring) or KWallet, or another "
        "Secret Service provider, and sign in to a desktop session (or start one with dbus-run-session)."
    ),
    "darwin": N_("On macOS, unlock the login keychain (Keychain Access, File > Unlock Keychain \"login\")."),
    "win32": N_(
        "On Windows, make sure the Credential Manager service (VaultSvc) is running "
        "(services.msc, or `Start-Service VaultSvc` in PowerShell)."
    ),
}

T = TypeVar("T")


class SecretUnreadable(ConsoleError):
    """A stored secret exists but cannot be read back (tampered or orphaned encrypted file)."""

    code = "secret_unreadable"


def unlock_advice(platform: str | None = None) -> str:
    """What to install or unlock on this OS (or `platform`, a `sys.platform` value) to get a keychain."""
    platform = platform or sys.platform
    for prefix, advice in UNLOCK_ADVICE.items():
        if platform.startswith(prefix):
            return _(advice)
    return _(UNLOCK_ADVICE["linux"])


def secret_key(region_id: str, application_name: str, kind: str) -> str:
    """The store key of one secret of one application in one region, e.g. `us/Contoso%20EWS/password`.

    The application name is percent-encoded so that no name can produce another name's key.
    """
    if not _REGION_RE.match(region_id or ""):
        raise BadInput(_("Region id {id} is not valid (lower-case letters, digits and '-').")
                       .format(id=repr(region_id)))
    name = (application_name or "").strip()
    if not name:
        raise BadInput(_("The application name is empty."))
    if _CONTROL_RE.search(name):
        raise BadInput(_("The application name contains control characters."))
    if len(name) > 200:
        raise BadInput(_("The application name is longer than {n} characters.").format(n=200))
    if not _KIND_RE.match(kind or ""):
        raise BadInput(_("Secret kind {kind} is not valid (lower-case letters, digits and '_').")
                       .format(kind=repr(kind)))
    return f"{region_id}/{quote(name, safe='')}/{kind}"


def blob_key_name(key: str) -> str:
    """The keychain name under which the data key of a large secret `key` is kept."""
    return BLOB_KEY_PREFIX + key


def blob_path(key: str) -> Path:
    """Where the encrypted form of a large secret `key` lives (the file name reveals nothing of `key`)."""
    digest = hashlib.sha256(f"{SERVICE_NAME}\0{key}".encode()).hexdigest()
    return paths.data_dir() / SECRETS_SUBDIR / f"{digest}.bin"


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise BadInput(_("A secret needs a non-empty key."))
    if len(key) > _MAX_KEY_CHARS or _CONTROL_RE.search(key):
        raise BadInput(_("A secret key must be at most {n} characters with no control characters.")
                       .format(n=_MAX_KEY_CHARS))
    if key.startswith(BLOB_KEY_PREFIX):
        raise BadInput(_("Secret keys starting with {prefix} are reserved.")
                       .format(prefix=repr(BLOB_KEY_PREFIX)))


def _associated_data(key: str) -> bytes:
    return f"{SERVICE_NAME} secret v1\0{key}".encode()


class CredentialStore(ABC):
    """get / set / delete secrets by key; large values go encrypted to the data folder.

    Subclasses provide the keychain primitives (`_get_item`, `_set_item`, `_delete_item`) and
    `_ensure_usable`; this class guarantees that the keychain answered before anything touches the disk.
    """

    item_limit_bytes: int = ITEM_LIMIT_BYTES

    @property
    @abstractmethod
    def backend_name(self) -> str:
        """Human-readable name of the keychain in use, for About and support requests."""

    @abstractmethod
    def _ensure_usable(self) -> None:
        """Raise `KeychainUnavailable` unless the keychain is allowed and answers (writes nothing)."""

    @abstractmethod
    def _get_item(self, name: str) -> str | None: ...

    @abstractmethod
    def _set_item(self, name: str, value: str) -> None: ...

    @abstractmethod
    def _delete_item(self, name: str) -> None:
        """Delete one keychain item; no error when it is absent."""

    def check_usable(self) -> None:
        """Verify, before any work starts, that secrets can be kept (reads a probe key, writes nothing)."""
        self._ensure_usable()

    def get(self, key: str) -> str | None:
        """The secret stored under `key`, or None when there is none."""
        _check_key(key)
        self._ensure_usable()
        value = self._get_item(key)
        if value is None:
            value = self._get_large(key)
        if value is not None:
            register_secret(value)
        return value

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`, replacing what was there (small in the keychain, large encrypted)."""
        _check_key(key)
        if not isinstance(value, str):
            raise BadInput(_("A secret must be text."))
        if not value:
            raise BadInput(_("Refusing to store an empty secret; delete it instead."))
        register_secret(value)
        self._ensure_usable()
        if len(value.encode("utf-8")) > self.item_limit_bytes:
            self._set_large(key, value)
            self._delete_item(key)
        else:
            self._set_item(key, value)
            self._delete_large(key)

    def delete(self, key: str) -> None:
        """Remove the secret under `key` (keychain item, data key, encrypted file); no error if absent."""
        _check_key(key)
        self._ensure_usable()
        self._delete_item(key)
        self._delete_large(key)

    # -- large secrets -------------------------------------------------------------------------------

    def _set_large(self, key: str, value: str) -> None:
        # cryptography is imported by the large-secret path only: asking the keychain at start-up needs none
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        data_key = AESGCM.generate_key(bit_length=256)
        blob = _encrypt(data_key, key, value)
        name = blob_key_name(key)
        previous = self._get_item(name)
        # The keychain takes the data key first: if it refuses, nothing reaches the disk.
        self._set_item(name, _DATA_KEY_PREFIX + base64.b64encode(data_key).decode("ascii"))
        path = blob_path(key)
        try:
            paths.write_private_file(path, blob)
        except OSError as exc:
            if previous is None:
                self._delete_item(name)
            else:
                self._set_item(name, previous)
            reason = exc.strerror or str(exc)
            raise ConsoleError(_("Could not write the encrypted secret file {path}: {reason}.")
                               .format(path=path, reason=reason)) from None

    def _get_large(self, key: str) -> str | None:
        path = blob_path(key)
        stored = self._get_item(blob_key_name(key))
        if stored is None:
            if path.exists():
                raise SecretUnreadable(
                    _("The encrypted file for secret {key} ({path}) has no key in the keychain ({keychain}), "
                      "so it cannot be read. Store the secret again to replace it.")
                    .format(key=repr(key), path=path, keychain=self.backend_name))
            return None
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise SecretUnreadable(
                _("The keychain holds a key for secret {key} but its encrypted file {path} is missing. "
                  "Store the secret again.").format(key=repr(key), path=path)) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SecretUnreadable(_("Cannot read the encrypted secret file {path}: {reason}.")
                                   .format(path=path, reason=reason)) from None
        return _decrypt(_decode_data_key(stored), key, blob, path)

    def _delete_large(self, key: str) -> None:
        self._delete_item(blob_key_name(key))
        try:
            blob_path(key).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConsoleError(_("Could not remove the encrypted secret file: {reason}.")
                               .format(reason=reason)) from None


def _encrypt(data_key: bytes, key: str, value: str) -> bytes:
    """magic | 96-bit nonce | AES-GCM(ciphertext + tag), bound to `key` by the associated data."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(_NONCE_BYTES)
    return _BLOB_MAGIC + nonce + AESGCM(data_key).encrypt(nonce, value.encode("utf-8"), _associated_data(key))


def _decrypt(data_key: bytes | None, key: str, blob: bytes, path: Path) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = len(_BLOB_MAGIC) + _NONCE_BYTES
    if data_key is None or not blob.startswith(_BLOB_MAGIC) or len(blob) < header + 16:
        raise SecretUnreadable(
            _("The encrypted file for secret {key} ({path}) is not in a known format. "
              "Store the secret again.").format(key=repr(key), path=path))
    try:
        nonce = blob[len(_BLOB_MAGIC) : header]
        plain = AESGCM(data_key).decrypt(nonce, blob[header:], _associated_data(key))
        return plain.decode("utf-8")
    except (InvalidTag, UnicodeDecodeError):
        raise SecretUnreadable(
            _("The encrypted file for secret {key} ({path}) failed its integrity check: it was changed, "
              "damaged or belongs to another secret. Store the secret again.")
            .format(key=repr(key), path=path)) from None


def _decode_data_key(stored: str) -> bytes | None:
    if not stored.startswith(_DATA_KEY_PREFIX):
        return None
    try:
        raw = base64.b64decode(stored[len(_DATA_KEY_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


# -- keyring ----------------------------------------------------------------------------------------


def _class_path(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_genuine(obj: Any, path: str) -> bool:
    """True when `obj`'s class is exactly the class found at `path` in its real module."""
    module_name, _, attr = path.rpartition(".")
    module = sys.modules.get(module_name)
    return module is not None and getattr(module, attr, None) is type(obj)


def backend_members(backend: Any) -> list[Any]:
    """The backends a keyring backend really uses: the chainer's members, or the backend itself."""
    if _class_path(backend) == _CHAINER and _is_genuine(backend, _CHAINER):
        return list(backend.backends)
    return [backend]


def refused_members(backend: Any) -> list[str]:
    """Class paths of the backends (or chained members) that are not on the allow-list; [] when allowed."""
    members = backend_members(backend)
    if not members:
        return [_class_path(backend) + " (chains no backend)"]
    return [_class_path(m) for m in members if not _is_allowed_member(m)]


def _is_allowed_member(backend: Any) -> bool:
    path = _class_path(backend)
    return path in ALLOWED_BACKENDS and _is_genuine(backend, path)


def is_allowed_backend(backend: Any) -> bool:
    """True when every backend `backend` resolves to is a secure one from `ALLOWED_BACKENDS`."""
    return not refused_members(backend)


def describe_backend(backend: Any) -> str:
    """Human-readable name of a keyring backend (allowed or not)."""
    names = []
    for member in backend_members(backend):
        path = _class_path(member)
        names.append(ALLOWED_BACKENDS[path] if _is_allowed_member(member) else
                     _("{backend} (not allowed)").format(backend=path))
    return ", ".join(names) if names else _("{backend} (no backend)").format(backend=_class_path(backend))


class KeyringStore(CredentialStore):
    """Secrets in the OS keychain through `keyring`, refusing any backend not on the allow-list."""

    def __init__(self, backend: Any | None = None, service: str = SERVICE_NAME) -> None:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        self._backend = backend
        self._service = service

    @property
    def backend(self) -> Any:
        return self._backend

    @property
    def backend_name(self) -> str:
        return describe_backend(self._backend)

    def _ensure_usable(self) -> None:
        refused = refused_members(self._backend)
        if refused:
            raise KeychainUnavailable(
                _("No secure keychain is available: the keyring backend {backend} is not allowed "
                  "(plaintext or unknown storage is refused).").format(backend=", ".join(refused))
                + " " + unlock_advice())
        self._call(lambda b: b.get_password(self._service, PROBE_KEY))

    def _call(self, action: Callable[[Any], T]) -> T:
        from keyring.errors import InitError, KeyringError, KeyringLocked, NoKeyringError, PasswordDeleteError

        try:
            return action(self._backend)
        except PasswordDeleteError:
            raise
        except KeyringLocked:
            message = _("The keychain ({keychain}) is locked.").format(keychain=self.backend_name) + " " \
                + unlock_advice()
            raise KeychainUnavailable(message) from None
        except (NoKeyringError, InitError, KeyringError) as exc:
            reason = redact(str(exc)) or type(exc).__name__
            raise KeychainUnavailable(
                _("The keychain ({keychain}) cannot be used: {reason}.").format(keychain=self.backend_name,
                                                                                reason=reason)
                + " " + unlock_advice()) from None
        except Exception as exc:  # D-Bus, Security framework and Win32 errors surface as many types
            reason = f"{type(exc).__name__}: {redact(str(exc))}"
            raise KeychainUnavailable(
                _("The keychain ({keychain}) did not answer ({reason}).").format(keychain=self.backend_name,
                                                                                 reason=reason)
                + " " + unlock_advice()) from None

    def _get_item(self, name: str) -> str | None:
        return self._call(lambda b: b.get_password(self._service, name))

    def _set_item(self, name: str, value: str) -> None:
        self._call(lambda b: b.set_password(self._service, name, value))

    def _delete_item(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        try:
            self._call(lambda b: b.delete_password(self._service, name))
        except PasswordDeleteError:
            pass  # absent: nothing to delete


# -- in memory --------------------------------------------------------------------------------------


class MemoryStore(CredentialStore):
    """A keychain that lives in this process only: for tests and the sandbox demo.

    It keeps the large-secret path (encrypted file in the data folder, data key here) and refuses any
    single item over Windows' credential limit, so code tested against it also fits a real keychain.
    """

    WINDOWS_ITEM_LIMIT = 2560

    def __init__(self, *, usable: bool = True) -> None:
        self._items: dict[str, str] = {}
        self._lock = threading.Lock()
        self.usable = usable

    @property
    def backend_name(self) -> str:
        return _("In-memory store (not persistent; tests and sandbox only)")

    def _ensure_usable(self) -> None:
        if not self.usable:
            raise KeychainUnavailable(_("The in-memory credential store is switched off.") + " "
                                      + unlock_advice())

    def _get_item(self, name: str) -> str | None:
        with self._lock:
            return self._items.get(name)

    def _set_item(self, name: str, value: str) -> None:
        if len(value.encode("utf-16-le")) > self.WINDOWS_ITEM_LIMIT:
            raise ValueError(f"an item of {len(value)} characters would not fit in one Windows credential")
        with self._lock:
            self._items[name] = value

    def _delete_item(self, name: str) -> None:
        with self._lock:
            self._items.pop(name, None)

    def item_names(self) -> Iterable[str]:
        """Names of the items held (for tests: what reached the 'keychain')."""
        with self._lock:
            return sorted(self._items)


_memory_stores: dict[Path, MemoryStore] = {}
_memory_lock = threading.Lock()


def default_store() -> CredentialStore:
    """The store the console uses: the OS keychain, or `MemoryStore` with EC_CONSOLE_CREDENTIAL_STORE=memory.

    The in-memory store is shared within the process per data folder, so that secrets stored by one part
    of the console are found by another while each EC_CONSOLE_HOME (each test) starts empty.
    """
    choice = os.environ.get(STORE_ENV, "").strip().lower()
    if choice in ("", "keyring"):
        return KeyringStore()
    if choice == "memory":
        folder = paths.data_dir()
        with _memory_lock:
            return _memory_stores.setdefault(folder, MemoryStore())
    raise BadInput(_("{variable} must be 'keyring' or 'memory', not {value}.").format(variable=STORE_ENV,
                                                                                     value=repr(choice)))
