"""Service-account key files and OAuth client files for the hardening tests (all fictional, made here)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "104417368021912345678"
CLIENT_EMAIL = "ec-hostile@ec-hostile-project.iam.gserviceaccount.com"
KEY_ID = "4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"


@functools.cache
def private_key_pem() -> str:
    """One RSA 2048 key (PKCS#8 PEM) per test session."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def key_info(token_uri: str, **changes: Any) -> dict[str, Any]:
    """A well-formed service-account key whose token endpoint is `token_uri`."""
    info: dict[str, Any] = {
        "type": "service_account",
        "project_id": "ec-hostile-project",
        "private_key_id": KEY_ID,
        "private_key": private_key_pem(),
        "client_email": CLIENT_EMAIL,
        "client_id": CLIENT_ID,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/ec-hostile",
        "universe_domain": "googleapis.com",
    }
    info.update(changes)
    return {k: v for k, v in info.items() if v is not None}


def write_key_file(folder: Path, token_uri: str, **changes: Any) -> Path:
    path = Path(folder) / "hostile-sa.json"
    path.write_text(json.dumps(key_info(token_uri, **changes)), encoding="utf-8")
    return path


def client_config(secret: str = "GOCSPX-hostile-Client-Secret-7Qw") -> dict[str, Any]:
    return {
        "installed": {
            "client_id": "104417368021-abcdefghijklmnop.apps.googleusercontent.com",
            "project_id": "ec-hostile-project",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_secret": secret,
            "redirect_uris": ["http://localhost"],
        }
    }
