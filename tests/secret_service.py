"""A real, private Secret Service for tests: gnome-keyring inside its own D-Bus session bus.

`PrivateSecretService` starts `dbus-daemon` with a minimal configuration (its own socket, no service
activation, so nothing else is started behind our back) and `gnome-keyring-daemon --foreground --unlock
--components=secrets` on that bus, with a temporary HOME / XDG_* folders so a user's real keyring is
never touched, and stops both on exit. `environment` holds the variables a client needs
(`DBUS_SESSION_BUS_ADDRESS`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

DAEMONS = ("dbus-daemon", "gnome-keyring-daemon")
REQUIRE_ENV = "EC_REQUIRE_SECRET_SERVICE"
KEYRING_PASSWORD = b"ec-console-test"

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class SecretServiceUnavailable(RuntimeError):
    """The private Secret Service could not be started (the reason says why)."""


def missing_daemons() -> list[str]:
    """The programs this helper needs that are not on PATH."""
    return [name for name in DAEMONS if shutil.which(name) is None]


def required() -> bool:
    """True when the environment demands these tests run (CI sets EC_REQUIRE_SECRET_SERVICE=1)."""
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


class PrivateSecretService:
    """Context manager: a private session bus with an unlocked gnome-keyring on it."""

    def __init__(self, start_timeout: float = 15.0) -> None:
        self.start_timeout = start_timeout
        self.root: Path | None = None
        self.environment: dict[str, str] = {}
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> PrivateSecretService:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return list(self._processes)

    def _start(self) -> None:
        missing = missing_daemons()
        if missing:
            raise SecretServiceUnavailable(f"not installed: {', '.join(missing)}")
        # A short path under /tmp: a unix socket path is limited to ~108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="ec-ss-"))
        folders = {name: self.root / name for name in ("home", "data", "config", "cache", "runtime")}
        for folder in folders.values():
            folder.mkdir(mode=0o700)
        socket = self.root / "bus"
        config = self.root / "bus.conf"
        config.write_text(_BUS_CONFIG.format(socket=socket), encoding="utf-8")
        address = f"unix:path={socket}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(folders["home"]),
            "XDG_DATA_HOME": str(folders["data"]),
            "XDG_CONFIG_HOME": str(folders["config"]),
            "XDG_CACHE_HOME": str(folders["cache"]),
            "XDG_RUNTIME_DIR": str(folders["runtime"]),
            "DBUS_SESSION_BUS_ADDRESS": address,
        }
        self._spawn(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile"], env, "dbus-daemon"
        )
        self._wait_for(lambda: socket.exists(), "the session bus socket")
        keyring_daemon = self._spawn(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env,
            "gnome-keyring-daemon",
            stdin=subprocess.PIPE,
        )
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(KEYRING_PASSWORD)  # --unlock reads the password until end of input
        keyring_daemon.stdin.close()
        self.environment = {"DBUS_SESSION_BUS_ADDRESS": address}
        self._wait_for(self._default_collection_unlocked, "gnome-keyring's unlocked default collection")

    def _spawn(
        self, argv: list[str], env: dict[str, str], name: str, stdin: int = subprocess.DEVNULL
    ) -> subprocess.Popen[bytes]:
        assert self.root is not None
        log = open(self.root / f"{name}.log", "wb")  # the child keeps its own copy of the descriptor
        try:
            process = subprocess.Popen(
                argv, env=env, stdin=stdin, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        self._processes.append(process)
        return process

    def _default_collection_unlocked(self) -> bool:
        import secretstorage
        from secretstorage.exceptions import SecretStorageException

        saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.environment["DBUS_SESSION_BUS_ADDRESS"]
        try:
            connection = secretstorage.dbus_init()
        except SecretStorageException:
            return False
        finally:
            if saved is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved
        try:
            if not secretstorage.check_service_availability(connection):
                return False
            return not secretstorage.Collection(connection).is_locked()
        except SecretStorageException:
            return False
        finally:
            connection.close()

    def _wait_for(self, ready, what: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        while not ready():
            for process in self._processes:
                if process.poll() is not None:
                    name = Path(process.args[0]).name
                    raise SecretServiceUnavailable(
                        f"{name} exited with status {process.returncode} while waiting for {what}: "
                        f"{self.log_tail(name)}"
                    )
            if time.monotonic() > deadline:
                raise SecretServiceUnavailable(f"timed out waiting for {what}")
            time.sleep(0.05)

    def log_tail(self, name: str, chars: int = 400) -> str:
        if self.root is None:
            return ""
        try:
            return (self.root / f"{name}.log").read_text(errors="replace")[-chars:].strip()
        except OSError:
            return ""

    def lock_default_collection(self) -> None:
        """Lock the keyring, as a screen lock or `seahorse` would."""
        import secretstorage

        saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.environment["DBUS_SESSION_BUS_ADDRESS"]
        try:
            connection = secretstorage.dbus_init()
            try:
                secretstorage.Collection(connection).lock()
            finally:
                connection.close()
        finally:
            if saved is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved

    def stop(self) -> None:
        """Stop the keyring daemon, then the bus, and remove the temporary folders."""
        for process in reversed(self._processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self._processes.clear()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
