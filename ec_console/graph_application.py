"""A saved Microsoft Graph application (provider `graph`): its settings, its credential, a new certificate.

Settings are stored under the keys the `ec-console check graph` flags map to: `tenant_id`, `client_id`,
`certificate` (the path of the PEM or PFX file; absent for a client secret), `cloud`, `authority`,
`graph_url`, `scope_group`, `test_mailbox`, `expect_denied`, `ca_file` (plus `group_dn` and `sp_object_id`,
which only fill the scope commands). The keychain holds the client secret (kind `client_secret`) or the
certificate's password (kind `certificate_password`; none for a PEM file whose key is not encrypted).

`create_self_signed_certificate` makes the certificate Microsoft recommends over a client secret: an RSA
2048 key and a self-signed certificate in one PEM file written private (0600) where the administrator
chooses, and the public certificate as a `.cer` file to upload to the app registration. Qt-free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ec_console.checks import CancelToken, Report, StepResult
from ec_console.errors import BadInput
from ec_console.i18n import _
from ec_console.texts import localized

PROVIDER = "graph"
KIND_SECRET = "client_secret"
KIND_CERTIFICATE = "certificate_password"
CERTIFICATE_DAYS = 365
# The settings a Graph application keeps (no secret among them).
SETTING_KEYS = ("test_mailbox", "tenant_id", "client_id", "certificate", "cloud", "authority", "graph_url",
                "scope_group", "scope_group_address", "group_dn", "sp_object_id", "expect_denied", "ca_file")


def uses_certificate(settings: Mapping[str, Any]) -> bool:
    return bool(settings.get("certificate"))


def secret_kind(settings: Mapping[str, Any]) -> str:
    """The keychain entry's kind: the client secret, or the certificate's password."""
    return KIND_CERTIFICATE if uses_certificate(settings) else KIND_SECRET


def graph_settings_for(settings: Mapping[str, Any], target: str, *, expect_denied: str | None = None,
                       write_probe: bool = False) -> Any:
    """The check's `GraphSettings` for a saved (or draft) Graph application's settings."""
    from ec_console.providers.graph import GraphSettings

    tenant, client = settings.get("tenant_id"), settings.get("client_id")
    if not tenant or not client:
        raise BadInput(_("The application's settings are incomplete: the tenant ID and the application "
                         "(client) ID are both needed"))
    try:
        return GraphSettings(mailbox=target, tenant_id=str(tenant), client_id=str(client),
                             cloud=str(settings.get("cloud") or "global"),
                             authority=settings.get("authority") or None,
                             graph_url=settings.get("graph_url") or None, expect_denied=expect_denied,
                             scope_group=settings.get("scope_group") or None, write_probe=write_probe,
                             ca_file=settings.get("ca_file") or None)
    except ValueError as exc:
        raise BadInput(_("The application's settings are incomplete: {problem}").format(
            problem=exc)) from None


def credential_for(settings: Mapping[str, Any], secret: str | None) -> Any:
    """The check's credential: the client secret, or the certificate opened with its password (`secret`).

    Blocking (reads the certificate file): call it on a worker thread. BadInput says what is wrong."""
    if not uses_certificate(settings):
        if not secret:
            raise BadInput(_("The client secret is missing: enter it again"))
        return secret
    from ec_console.providers.graph import is_certificate_text

    if is_certificate_text(secret):          # the certificate itself, imported into this desktop's keychain
        return certificate_from_text(str(secret))
    return open_certificate(str(settings["certificate"]), secret or None)


def certificate_from_text(text: str, label: str | None = None) -> Any:
    """The `ClientCertificate` held as PEM text (the certificate and its unencrypted private key); `label`
    names it in a refusal (default: the keychain's certificate)."""
    from ec_console.logs import register_secret
    from ec_console.providers.graph import CertificateProblem, parse_certificate

    register_secret(text)
    try:
        certificate = parse_certificate(text.encode("utf-8"))
    except CertificateProblem as exc:
        raise BadInput(_("{label} is not usable: {problem}").format(
            label=label or _("the keychain's certificate"), problem=localized(str(exc)))) from None
    register_secret(certificate.private_key_pem)
    return certificate


def open_certificate(path: str, password: str | None, label: str = "--certificate") -> Any:
    """The `ClientCertificate` in `path`; BadInput (naming `label`) when it cannot be used."""
    from ec_console.logs import register_secret
    from ec_console.providers.graph import CertificateProblem, load_certificate

    if password:
        register_secret(password)
    try:
        certificate = load_certificate(path, password)
    except CertificateProblem as exc:
        raise BadInput(_("{label}: {path} is not usable: {problem}").format(
            label=label, path=path, problem=localized(str(exc)))) from None
    register_secret(certificate.private_key_pem)
    return certificate


def run_graph_application_check(settings: Mapping[str, Any], secret: str | None, target: str, *,
                                expect_denied: str | None = None, write_probe: bool = False,
                                cancel: CancelToken | None = None,
                                observer: Callable[[StepResult], None] | None = None,
                                on_step_started: Callable[[str], None] | None = None) -> Report:
    """The Graph check of `target` through a Graph application's settings (blocking: a worker thread)."""
    from ec_console.providers.graph import run_graph_check

    check = graph_settings_for(settings, target, expect_denied=expect_denied, write_probe=write_probe)
    credential = credential_for(settings, secret)
    return run_graph_check(check, credential, observer=observer, on_step_started=on_step_started,
                           cancel=cancel)


# --- a self-signed certificate ------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedCertificate:
    """What the wizard shows of a certificate it made (never the private key)."""

    key_file: Path            # private key + certificate, PEM, 0600: what the console signs in with
    cer_file: Path            # the public certificate (DER): what the administrator uploads to Entra
    thumbprint_sha256: str    # hex, upper case
    thumbprint_sha1: str      # hex, upper case: the one the Entra admin center lists
    subject: str
    not_after: str            # YYYY-MM-DD

    def describe(self) -> str:
        return _("Certificate {subject}, valid until {not_after}. SHA-256 thumbprint {sha256}; SHA-1 "
                 "thumbprint (as the Microsoft Entra admin center lists it) {sha1}.").format(
            subject=self.subject, not_after=self.not_after, sha256=self.thumbprint_sha256,
            sha1=self.thumbprint_sha1)


def certificate_paths(key_file: str | Path) -> tuple[Path, Path]:
    """The private PEM file and the public `.cer` beside it, for the name the administrator chose."""
    path = Path(key_file).expanduser()
    if path.suffix.lower() != ".pem":
        path = path.with_name(path.name + ".pem")
    return path, path.with_suffix(".cer")


def create_self_signed_certificate(key_file: str | Path, *, common_name: str,
                                   days: int = CERTIFICATE_DAYS) -> CreatedCertificate:
    """An RSA 2048 key with a self-signed SHA-256 certificate: the key and certificate in `key_file` (PEM,
    0600), the public certificate in the `.cer` beside it. Refuses to replace an existing file and to write
    into a folder that does not exist. Blocking (key generation, disk): call it on a worker thread."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from ec_console.paths import private_atomic_writer

    pem_path, cer_path = certificate_paths(key_file)
    if not pem_path.parent.is_dir():
        raise BadInput(_("The folder {folder} does not exist; choose another place for the "
                         "certificate").format(folder=pem_path.parent))
    for path in (pem_path, cer_path):
        if path.exists():
            raise BadInput(_("{path} already exists; choose another name (an existing certificate is never "
                             "replaced)").format(path=path))
    name = " ".join(common_name.split())[:64] or "Enterprise Connect"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM)
    try:
        with private_atomic_writer(pem_path) as fh:
            fh.write(pem)
        with private_atomic_writer(cer_path) as fh:
            fh.write(cert.public_bytes(serialization.Encoding.DER))
    except OSError as exc:
        pem_path.unlink(missing_ok=True)
        raise BadInput(_("The certificate cannot be written to {folder}: {error}").format(
            folder=pem_path.parent, error=exc.strerror or exc)) from None
    return CreatedCertificate(pem_path, cer_path, cert.fingerprint(hashes.SHA256()).hex().upper(),
                              cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - Entra lists SHA-1
                              cert.subject.rfc4514_string(), cert.not_valid_after_utc.strftime("%Y-%m-%d"))


__all__ = ["KIND_CERTIFICATE", "KIND_SECRET", "PROVIDER", "CreatedCertificate", "certificate_paths",
           "certificate_from_text", "create_self_signed_certificate", "credential_for", "graph_settings_for",
           "open_certificate",
           "run_graph_application_check", "secret_kind", "uses_certificate"]
