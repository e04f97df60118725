"""Where the console keeps its configuration, data and logs: one place for the concern.

`EC_CONSOLE_HOME`, when set, holds everything (config/, data/, logs/ below it) so tests, the sandbox and
portable installs never touch a user's real folders. Otherwise platformdirs decides per OS. Every folder
is created private to the user (0700 on POSIX).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import platformdirs

from ec_console import APP_NAME

HOME_ENV = "EC_CONSOLE_HOME"
_APP_AUTHOR = "EnterpriseConnect"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def _private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it private to the user on POSIX."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(0o700)
    return path


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return _private_dir(home / "config")
    return _private_dir(Path(platformdirs.user_config_dir(APP_NAME, _APP_AUTHOR, roaming=True)))


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return _private_dir(home / "data")
    return _private_dir(Path(platformdirs.user_data_dir(APP_NAME, _APP_AUTHOR)))


def log_dir() -> Path:
    home = _home()
    if home is not None:
        return _private_dir(home / "logs")
    return _private_dir(Path(platformdirs.user_log_dir(APP_NAME, _APP_AUTHOR)))


def private_file_mode() -> int:
    return 0o600


@contextmanager
def private_atomic_writer(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """A handle whose content replaces `path` atomically when the block ends, readable by the user only
    (0600 on POSIX). The folder is used as it is (an export goes where the user chose: it is not created
    and its mode is left alone). If the block fails, nothing is left behind and `path` is unchanged."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, private_file_mode())
    try:
        if text:
            handle: IO[Any] = os.fdopen(fd, "w", encoding="utf-8", newline="")
        else:
            handle = os.fdopen(fd, "wb")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` atomically to `path`, readable by the user only (0600 on POSIX), in a private folder."""
    _private_dir(path.parent)
    with private_atomic_writer(path) as fh:
        fh.write(data)


def describe() -> dict[str, str]:
    """The folders in use, for About, `--help` epilogues and support requests."""
    return {"config": str(config_dir()), "data": str(data_dir()), "logs": str(log_dir())}


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))
