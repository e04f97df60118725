"""NTLM on the server side, with pyspnego as the acceptor.

pyspnego's pure-Python NTLM acceptor does not take credentials as arguments: it reads the users it may accept
from a file named by the **process-wide** environment variable `NTLM_USER_FILE` (read when an acceptor is
created and again when it checks the client's answer). This module contains that setting:

- the file holds NT/LM *hashes* in the smbpasswd layout (`DOMAIN\\user:uid:LM:NT:[U]:LCT-0`), never a
  password, and lives in a private temporary folder (0700, file 0600);
- `NtlmUsers.register()` / `.release()` are reference counted across every sandbox running in the process:
  the first registration sets `NTLM_USER_FILE`, the last release restores the previous value (or removes the
  variable) and deletes the file;
- clients are unaffected: requests_ntlm / exchangelib always hand pyspnego an explicit username and password,
  and pyspnego consults the file only when it has neither.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import spnego
from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1
from spnego._ntlm_raw.messages import Authenticate
from spnego.channel_bindings import GssChannelBindings

from ec_console.paths import write_private_file

ENV_VAR = "NTLM_USER_FILE"


@dataclass(frozen=True)
class NtlmUser:
    """One name an NTLM client may present: `domain` empty for a UPN (user@domain)."""

    domain: str
    user: str
    password: str

    def line(self) -> str:
        name = f"{self.domain}\\{self.user}" if self.domain else self.user
        lm = base64.b16encode(lmowfv1(self.password)).decode()
        nt = base64.b16encode(ntowfv1(self.password)).decode()
        return f"{name}:0:{lm}:{nt}:[U]:LCT-0"


class _Registry:
    """The process-wide credential file, shared by every running sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self._users: dict[int, list[NtlmUser]] = {}
        self._folder: Path | None = None
        self._previous: str | None = None

    def register(self, users: Iterable[NtlmUser]) -> int:
        with self._lock:
            if not self._users:
                self._folder = Path(tempfile.mkdtemp(prefix="ec-sandbox-ntlm-"))
                self._previous = os.environ.get(ENV_VAR)
            self._next += 1
            self._users[self._next] = list(users)
            self._write()
            return self._next

    def release(self, token: int) -> None:
        with self._lock:
            if self._users.pop(token, None) is None:
                return
            if self._users:
                self._write()
                return
            if self._previous is None:
                os.environ.pop(ENV_VAR, None)
            else:
                os.environ[ENV_VAR] = self._previous
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
            self._folder, self._previous = None, None

    def _write(self) -> None:
        assert self._folder is not None
        lines = sorted({u.line() for users in self._users.values() for u in users})
        path = self._folder / "ntlm-users"
        write_private_file(path, ("\n".join(lines) + "\n").encode())
        os.environ[ENV_VAR] = str(path)


NtlmUsers = _Registry()


def channel_bindings(end_point_hash: bytes | None) -> GssChannelBindings | None:
    """The `tls-server-end-point` bindings a client sends over https (Extended Protection)."""
    if not end_point_hash:
        return None
    return GssChannelBindings(application_data=b"tls-server-end-point:" + end_point_hash)


def new_acceptor(end_point_hash: bytes | None) -> spnego.ContextProxy:
    """A fresh NTLM acceptor (pure Python implementation, whatever GSSAPI the machine has)."""
    return spnego.server(
        protocol="ntlm",
        options=spnego.NegotiateOptions.use_ntlm,
        channel_bindings=channel_bindings(end_point_hash),
    )


def authenticate_user_name(token: bytes) -> str:
    """`DOMAIN\\user` (or the bare UPN) an NTLM AUTHENTICATE message names, "" when it names nobody."""
    try:
        message = Authenticate.unpack(token)
    except Exception:  # a hostile or broken token: it names nobody
        return ""
    user = message.user_name or ""
    return f"{message.domain_name}\\{user}" if message.domain_name and user else user


def message_type(token: bytes) -> int:
    """1 NEGOTIATE, 2 CHALLENGE, 3 AUTHENTICATE, 0 when the token is not NTLMSSP."""
    if len(token) < 12 or not token.startswith(b"NTLMSSP\x00"):
        return 0
    return int.from_bytes(token[8:12], "little")
