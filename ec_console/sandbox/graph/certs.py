"""Client certificates for the Graph sandbox's app registrations (what an admin uploads to Entra).

RSA 2048, self-signed, as `New-SelfSignedCertificate` or the console's wizard would make them. Written private
(0600) into the sandbox's folder:

- `graph-app.pem`: the private key and the certificate in one PEM (what `--certificate` takes);
- `graph-app.pfx`: the same, PKCS#12, encrypted with the sandbox's fictional PFX password;
- `graph-app-unregistered.pem`: a certificate no app registration holds (AADSTS700027).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ec_console.paths import write_private_file


@dataclass(frozen=True)
class ClientCertificate:
    certificate: x509.Certificate
    pem_file: Path  # private key + certificate
    pfx_file: Path | None = None

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def sha256_thumbprint(self) -> str:
        """base64url SHA-256 of the DER certificate: the `x5t#S256` header value."""
        return base64.urlsafe_b64encode(hashlib.sha256(self.der).digest()).rstrip(b"=").decode()

    @property
    def sha1_thumbprint(self) -> str:
        """base64url SHA-1 of the DER certificate: the `x5t` header value."""
        return base64.urlsafe_b64encode(hashlib.sha1(self.der).digest()).rstrip(b"=").decode()  # noqa: S324

    @property
    def hex_thumbprint(self) -> str:
        """The SHA-1 thumbprint in hex capitals, as the Entra admin center lists it."""
        return hashlib.sha1(self.der).hexdigest().upper()  # noqa: S324


def _make(common_name: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _pem(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + cert.public_bytes(serialization.Encoding.PEM)


def make_client_certificates(folder: Path, pfx_password: str) -> tuple[ClientCertificate, ClientCertificate]:
    """The registered certificate (PEM and PFX) and an unregistered one (PEM), written into `folder`."""
    folder = Path(folder)
    cert, key = _make("EC Console sandbox app")
    pem = folder / "graph-app.pem"
    write_private_file(pem, _pem(cert, key))
    pfx = folder / "graph-app.pfx"
    write_private_file(pfx, pkcs12.serialize_key_and_certificates(
        b"ec-console-sandbox", key, cert, None,
        serialization.BestAvailableEncryption(pfx_password.encode()),
    ))
    other, other_key = _make("EC Console sandbox app (not uploaded)")
    other_pem = folder / "graph-app-unregistered.pem"
    write_private_file(other_pem, _pem(other, other_key))
    return ClientCertificate(cert, pem, pfx), ClientCertificate(other, other_pem)
