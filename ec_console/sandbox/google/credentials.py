"""Keys, signed tokens and credential files of the Google sandbox.

- `SigningKey`: an RSA key with a key id, used both for the service account's keys (the private half goes into
  the key file, the sandbox keeps the public half to verify JWT assertions) and for the sandbox's own ID-token
  signing key (published on the certs endpoints).
- RS256 JWTs: `encode_jwt` / `decode_jwt` (compact serialisation, RFC 7515 / 7519).
- The two files a Google administrator downloads: a service-account key file and an OAuth client-secret file
  for an installed ("Desktop") app, written private to the user (0600).

Every credential here is generated per sandbox and is fictional; the files are what the real Google Cloud
console gives out, field for field, with URLs pointing at the sandbox.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from ec_console.paths import write_private_file


class JwtError(ValueError):
    """A compact JWT that cannot be parsed."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise JwtError("not base64url") from exc


@dataclass
class SigningKey:
    """An RSA-2048 key pair with the key id clients put in the JWT header (`kid`)."""

    key_id: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def generate(cls, key_id: str | None = None) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(key_id or secrets.token_hex(20), key)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def jwk(self) -> dict[str, str]:
        numbers = self.public_key.public_numbers()

        def _int(value: int) -> str:
            return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.key_id,
            "n": _int(numbers.n),
            "e": _int(numbers.e),
        }

    def certificate_pem(self, common_name: str) -> str:
        """A self-signed X.509 certificate of the public key, as Google's v1 certs endpoint publishes."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=14))
            .sign(self.private_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def encode_jwt(claims: dict[str, Any], key: SigningKey) -> str:
    header = {"alg": "RS256", "kid": key.key_id, "typ": "JWT"}
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (header, claims)
    )
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


@dataclass(frozen=True)
class ParsedJwt:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes

    def signed_by(self, key: SigningKey) -> bool:
        return self.header.get("alg") == "RS256" and key.verify(self.signature, self.signing_input)


def decode_jwt(token: str) -> ParsedJwt:
    """Split and decode a compact JWT without verifying it (the caller picks the key by `kid`)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("a JWT has three dot-separated parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JwtError("header or claims are not JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("header and claims must be JSON objects")
    return ParsedJwt(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), b64url_decode(parts[2]))


@dataclass(frozen=True)
class ServiceAccountIdentity:
    email: str
    client_id: str  # numeric "unique ID": what the Admin console's domain-wide delegation lists
    project_id: str


def service_account_key_info(
    account: ServiceAccountIdentity, key: SigningKey, *, token_uri: str, auth_uri: str, certs_root: str
) -> dict[str, str]:
    """The JSON of a service-account key file as the Cloud console downloads it."""
    return {
        "type": "service_account",
        "project_id": account.project_id,
        "private_key_id": key.key_id,
        "private_key": key.private_pem(),
        "client_email": account.email,
        "client_id": account.client_id,
        "auth_uri": auth_uri,
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": f"{certs_root}/oauth2/v1/certs",
        "client_x509_cert_url": f"{certs_root}/robot/v1/metadata/x509/{account.email.replace('@', '%40')}",
        "universe_domain": "googleapis.com",
    }


@dataclass(frozen=True)
class OAuthClient:
    """An OAuth client of type "Desktop app" (installed application)."""

    client_id: str
    client_secret: str = field(repr=False)
    project_id: str = ""

    @classmethod
    def generate(cls, project_number: str, project_id: str) -> OAuthClient:
        suffix = secrets.token_hex(16)
        return cls(
            f"{project_number}-{suffix}.apps.googleusercontent.com",
            "GOCSPX-" + secrets.token_urlsafe(21)[:28],
            project_id,
        )


def client_secret_info(
    client: OAuthClient, *, auth_uri: str, token_uri: str, certs_root: str
) -> dict[str, Any]:
    """The JSON of a client-secret file for an installed app, as the Cloud console downloads it."""
    return {
        "installed": {
            "client_id": client.client_id,
            "project_id": client.project_id,
            "auth_uri": auth_uri,
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": f"{certs_root}/oauth2/v1/certs",
            "client_secret": client.client_secret,
            "redirect_uris": ["http://localhost"],
        }
    }


def write_json_private(path: Path, data: dict[str, Any]) -> Path:
    write_private_file(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    return path
