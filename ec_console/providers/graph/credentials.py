"""The application's certificate for the client-credentials flow, as MSAL wants it.

A PEM file holding the private key and the certificate, or a PFX (PKCS #12) file with its passphrase
(`EC_CERT_PASSWORD`). MSAL 1.39 has no `thumbprint_sha256` key (MSAL Python issue #872); given a
`private_key` and a `public_certificate` PEM and no `thumbprint`, it computes the certificate's SHA-256
thumbprint itself and signs the assertion PS256 with the `x5t#S256` header, which is Entra's documented form
(GRAPH_NOTES.md section 1). A SHA-256 hex string in `thumbprint` would be sent as SHA-1 `x5t` and refused with
AADSTS700027, so `thumbprint` is never set. The private key stays in memory (re-encoded unencrypted PEM for
MSAL) and is never written or logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from ec_console.texts import say

MAX_CERTIFICATE_BYTES = 256 * 1024


class CertificateProblem(ValueError):
    """The file is not a usable certificate with its private key; the message says why, in plain words."""


@dataclass(frozen=True)
class ClientCertificate:
    private_key_pem: str = field(repr=False)
    certificate_pem: str
    thumbprint_sha256: str  # hex, upper case, as the Entra admin center shows it
    subject: str
    not_after: str

    def msal_credential(self) -> dict[str, str]:
        """MSAL's `client_credential` dict: SHA-256 thumbprint, PS256, `x5t#S256`."""
        return {"private_key": self.private_key_pem, "public_certificate": self.certificate_pem}


def load_certificate(path: str | Path, passphrase: str | None = None) -> ClientCertificate:
    """Read a PEM (key + certificate) or PFX file; CertificateProblem names what is wrong."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CertificateProblem(say("it cannot be read ({error})", error=exc.strerror or exc)) from None
    return parse_certificate(data, passphrase)


def is_certificate_text(secret: str | None) -> bool:
    """Whether a keychain value is a certificate itself (PEM: the certificate and its private key, as
    `import-credential` and `rotate-secret --certificate` store it) rather than a certificate file's
    passphrase."""
    return bool(secret) and "-----BEGIN CERTIFICATE-----" in str(secret) and "PRIVATE KEY-----" in str(secret)


def parse_certificate(data: bytes, passphrase: str | None = None) -> ClientCertificate:
    """A PEM (key + certificate) or PFX file's bytes; CertificateProblem names what is wrong."""
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise CertificateProblem(say("it is {size} bytes; a certificate file is a few kilobytes",
                                     size=len(data)))
    secret = passphrase.encode("utf-8") if passphrase else None
    if b"-----BEGIN" in data:
        key, cert = _from_pem(data, secret)
    else:
        key, cert = _from_pfx(data, secret)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateProblem(say("its private key is not an RSA key (Microsoft Entra ID signs with RSA)"))
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        raise CertificateProblem(say("its private key does not belong to its certificate"))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return ClientCertificate(
        private_key_pem=key_pem,
        certificate_pem=cert_pem,
        thumbprint_sha256=cert.fingerprint(hashes.SHA256()).hex().upper(),
        subject=cert.subject.rfc4514_string(),
        not_after=cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _from_pem(data: bytes, secret: bytes | None) -> tuple[object, x509.Certificate]:
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateProblem(say("it holds no certificate (-----BEGIN CERTIFICATE-----)")) from None
    if b"PRIVATE KEY-----" not in data:
        raise CertificateProblem(
            say("it holds the certificate but not its private key; give a PEM file with both, or a PFX file")
        )
    try:
        key = serialization.load_pem_private_key(data, password=secret)
    except TypeError:
        if secret is None:
            raise CertificateProblem(
                say("its private key is encrypted: set EC_CERT_PASSWORD to its passphrase")
            ) from None
        raise CertificateProblem(
            say("its private key is not encrypted, but EC_CERT_PASSWORD is set")
        ) from None
    except ValueError:
        raise CertificateProblem(
            say("its private key cannot be read (a wrong EC_CERT_PASSWORD, or a damaged key)")
        ) from None
    return key, cert


def _from_pfx(data: bytes, secret: bytes | None) -> tuple[object, x509.Certificate]:
    try:
        key, cert, _others = pkcs12.load_key_and_certificates(data, secret)
    except ValueError:
        raise CertificateProblem(
            say("it is neither a PEM file nor a PFX file that opens with EC_CERT_PASSWORD "
                "(a wrong or missing passphrase, or another kind of file)")
        ) from None
    if cert is None or key is None:
        raise CertificateProblem(say("the PFX file must hold both the certificate and its private key"))
    return key, cert
