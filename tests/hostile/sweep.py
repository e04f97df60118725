"""The secret-leak sweep: every form a secret takes in a careless log, searched in folders and texts."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus


def secret_forms(secret: str, users: Iterable[str] = ()) -> set[str]:
    """Plain, URL-encoded, JSON-escaped, base64, and HTTP Basic `user:secret` base64 forms of `secret`."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        base64.b64encode(secret.encode()).decode().rstrip("="),
    }
    for user in users:
        forms.add(base64.b64encode(f"{user}:{secret}".encode()).decode().rstrip("="))
    if "\n" in secret:  # a PEM key: each line of its body is a secret on its own
        forms |= {line for line in secret.splitlines() if len(line) >= 16 and "-----" not in line}
    return {f for f in forms if len(f) >= 8}


def files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def find_leaks(
    secrets: dict[str, str], texts: dict[str, str], folders: Iterable[Path], users: Iterable[str] = ()
) -> list[str]:
    """'<secret name> in <where> (<form>)' for every hit; empty means no leak."""
    users = list(users)
    haystacks = dict(texts)
    for path in files_under(*folders):
        haystacks[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    hits = []
    for name, secret in secrets.items():
        for form in secret_forms(secret, users):
            for where, text in haystacks.items():
                if form in text:
                    hits.append(f"{name} in {where} ({form[:12]}...)")
    return hits
