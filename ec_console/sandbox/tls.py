"""Certificates for the sandbox: a generated CA, a leaf for 127.0.0.1 / localhost, and deliberately bad ones.

Everything is EC P-256 (fast to generate, accepted by every client the console uses). All files are written
private to the user (0600) into a folder the caller gives; the CA certificate PEM (`TlsMaterial.ca_file`) is
what a client's `--ca-file` points to.

The bad certificates exist for the TLS diagnoses of the connectivity check:

- `expired`: signed by the sandbox CA, valid for the right names, but its validity ended yesterday;
- `wrong_name`: signed by the sandbox CA, valid today, but its SAN names another host;
- `untrusted`: right names, valid today, signed by a second CA that no client trusts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ec_console.paths import write_private_file

LOOPBACK_NAMES: tuple[str, ...] = ("127.0.0.1", "localhost")
WRONG_HOST = "mail.elsewhere.example"
_ORG = "Enterprise Connect Sandbox"


@dataclass(frozen=True)
class CertificateFiles:
    """A certificate (PEM, with its chain up to but excluding the root) and its private key (PEM)."""

    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting this certificate."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(self.cert_file), str(self.key_file))
        return ctx

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_file.read_bytes())

    def end_point_hash(self) -> bytes:
        """The `tls-server-end-point` channel binding value (RFC 5929) of this certificate."""
        return tls_server_end_point(self.certificate().public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class TlsMaterial:
    """Every file the sandbox's TLS needs, all inside `folder`."""

    folder: Path
    ca_file: Path  # the sandbox CA: what clients trust
    server: CertificateFiles  # 127.0.0.1 / localhost, valid, signed by the sandbox CA
    expired: CertificateFiles
    wrong_name: CertificateFiles
    untrusted: CertificateFiles
    untrusted_ca_file: Path  # the CA that signed `untrusted` (never given to clients)

    def variant(self, name: str) -> CertificateFiles:
        """The certificate called `name`: "valid", "expired", "wrong_name" or "untrusted"."""
        table = {
            "valid": self.server,
            "expired": self.expired,
            "wrong_name": self.wrong_name,
            "untrusted": self.untrusted,
        }
        try:
            return table[name]
        except KeyError:
            raise ValueError(f"unknown certificate variant {name!r}; known: {', '.join(table)}") from None


def tls_server_end_point(cert_der: bytes) -> bytes:
    """Hash of a DER certificate as RFC 5929 defines it (MD5 and SHA-1 are upgraded to SHA-256)."""
    cert = x509.load_der_x509_certificate(cert_der)
    algorithm = cert.signature_hash_algorithm
    name = algorithm.name if algorithm is not None else "sha256"
    if name in ("md5", "sha1"):
        name = "sha256"
    return hashlib.new(name, cert_der).digest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORG),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _make_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    now = _now()
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _make_leaf(
    names: tuple[str, ...],
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(_san(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_leaf(
    folder: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> CertificateFiles:
    files = CertificateFiles(cert_file=folder / f"{stem}.pem", key_file=folder / f"{stem}.key")
    write_private_file(files.cert_file, _pem(cert))
    write_private_file(files.key_file, _key_pem(key))
    return files


def generate_tls_material(folder: Path, names: tuple[str, ...] = LOOPBACK_NAMES) -> TlsMaterial:
    """Generate the CA, the valid leaf and the three bad leaves into `folder` (created 0700 if missing)."""
    folder = Path(folder)
    ca_cert, ca_key = _make_ca("Enterprise Connect Sandbox Root CA")
    rogue_cert, rogue_key = _make_ca("Untrusted Sandbox Root CA")
    now = _now()
    valid_from, valid_to = now - dt.timedelta(days=1), now + dt.timedelta(days=825)

    ca_file = folder / "sandbox-ca.pem"
    write_private_file(ca_file, _pem(ca_cert))
    rogue_file = folder / "untrusted-ca.pem"
    write_private_file(rogue_file, _pem(rogue_cert))

    server = _write_leaf(
        folder, "server", *_make_leaf(names, ca_cert, ca_key, not_before=valid_from, not_after=valid_to)
    )
    expired = _write_leaf(
        folder,
        "server-expired",
        *_make_leaf(
            names,
            ca_cert,
            ca_key,
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=1),
        ),
    )
    wrong = _write_leaf(
        folder,
        "server-wrong-name",
        *_make_leaf((WRONG_HOST,), ca_cert, ca_key, not_before=valid_from, not_after=valid_to),
    )
    untrusted = _write_leaf(
        folder,
        "server-untrusted",
        *_make_leaf(names, rogue_cert, rogue_key, not_before=valid_from, not_after=valid_to),
    )
    return TlsMaterial(
        folder=folder,
        ca_file=ca_file,
        server=server,
        expired=expired,
        wrong_name=wrong,
        untrusted=untrusted,
        untrusted_ca_file=rogue_file,
    )
