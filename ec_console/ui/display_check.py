"""`python -m ec_console.ui.display_check`: can a window be shown here? (`make run` asks first.)

On Linux the check answers three questions before the console starts:

1. Is there a display at all (DISPLAY / WAYLAND_DISPLAY / QT_QPA_PLATFORM)? If not, it says how to run the
   console instead and exits 1.
2. Does Qt's platform plugin really load? It starts a `QGuiApplication` in a child process (so this module
   imports no Qt and a Qt abort cannot take `make run` down with an unreadable message).
3. When it does not load, which system libraries are missing? It reads the plugin's dependencies with
   `ldd`, names each missing library and prints the single `apt-get install` line that brings them all.

Everywhere else (Windows, macOS, and Linux when the plugin loads) it exits 0 silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

NO_DISPLAY_MESSAGE = """\
ec-console: there is no display to open the console's window on (DISPLAY and WAYLAND_DISPLAY are unset).

  - On a desktop session, run `make run` from a terminal inside it.
  - On a server or over SSH, use a virtual display:   xvfb-run -a make run
    (Debian/Ubuntu: sudo apt-get install xvfb)
  - To prove the console starts, with no window at all: .venv/bin/ec-console --self-test
  - To check a mailbox without the GUI:               .venv/bin/ec-console check --help
"""
MESSAGE = NO_DISPLAY_MESSAGE  # the name earlier callers used

# Debian / Ubuntu package of each shared library Qt's xcb platform plugin (and Qt's GUI core) load.
# `libxcb-cursor.so.0` is loaded by the plugin at run time, not linked, so ldd cannot see it: it is looked
# up in the dynamic linker's cache instead.
LIBRARY_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}
_RUNTIME_LOADED = ("libxcb-cursor.so.0",)
_NOT_FOUND_RE = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)
_PROBE = ("import sys\n"
          "from PySide6.QtGui import QGuiApplication\n"
          "app = QGuiApplication(sys.argv[:1])\n"
          "print(app.platformName())\n")
_PROBE_TIMEOUT_S = 30


@dataclass(frozen=True)
class PluginProbe:
    ok: bool
    platform: str          # the platform Qt started, when ok
    output: str            # what Qt printed when it failed (stderr), trimmed


def needs_display_help(env: Mapping[str, str], platform: str) -> bool:
    """True on Linux-like systems when Qt has no display and no platform plugin chosen."""
    if not _unix_like(platform):
        return False
    return not any(env.get(name, "").strip() for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _unix_like(platform: str) -> bool:
    return platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def probe_platform_plugin(env: Mapping[str, str] | None = None, python: str | None = None) -> PluginProbe:
    """Start a QGuiApplication in a child process with `env`; whether Qt's platform plugin loaded."""
    try:
        done = subprocess.run([python or sys.executable, "-c", _PROBE], env=dict(os.environ if env is None
                                                                                  else env),
                              capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return PluginProbe(False, "", f"Qt did not start within {_PROBE_TIMEOUT_S} s")
    if done.returncode == 0:
        return PluginProbe(True, done.stdout.strip(), "")
    return PluginProbe(False, "", done.stderr.strip()[-2000:])


def missing_from_ldd(ldd_output: str) -> list[str]:
    """The library names `ldd` reported as "not found", in order, once each."""
    seen: dict[str, None] = {}
    for name in _NOT_FOUND_RE.findall(ldd_output):
        seen.setdefault(name, None)
    return list(seen)


def qt_plugin_files(qt_root: Path) -> list[Path]:
    """The xcb plugin and the Qt library that implements it, under PySide6's `Qt` folder."""
    candidates = [qt_root / "plugins" / "platforms" / "libqxcb.so"]
    candidates += sorted((qt_root / "lib").glob("libQt6XcbQpa.so*"))[:1]
    return [path for path in candidates if path.exists()]


def missing_libraries(files: Iterable[Path], linker_cache: str | None = None) -> list[str]:
    """Shared libraries the given files need that this system lacks (ldd), plus the run-time ones."""
    missing: dict[str, None] = {}
    ldd = shutil.which("ldd")
    for path in files:
        if ldd is None:
            break
        try:
            out = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=30,
                                 check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        for name in missing_from_ldd(out):
            missing.setdefault(name, None)
    cache = _linker_cache() if linker_cache is None else linker_cache
    if cache:
        for name in _RUNTIME_LOADED:
            if name not in cache:
                missing.setdefault(name, None)
    return list(missing)


def _linker_cache() -> str:
    for ldconfig in (shutil.which("ldconfig"), "/sbin/ldconfig", "/usr/sbin/ldconfig"):
        if ldconfig and Path(ldconfig).exists():
            try:
                return subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=30,
                                      check=False).stdout
            except (OSError, subprocess.TimeoutExpired):
                return ""
    return ""


def install_line(libraries: Iterable[str]) -> str:
    """The one `apt-get install` line for the packages holding `libraries` ("" when none is known)."""
    packages: dict[str, None] = {}
    for name in libraries:
        package = LIBRARY_PACKAGES.get(name)
        if package:
            packages.setdefault(package, None)
    return f"sudo apt-get install {' '.join(packages)}" if packages else ""


def plugin_failure_message(libraries: list[str], qt_output: str) -> str:
    lines = ["ec-console: Qt could not open a window on this display: its platform plugin did not load."]
    if libraries:
        known = [name for name in libraries if name in LIBRARY_PACKAGES]
        unknown = [name for name in libraries if name not in LIBRARY_PACKAGES]
        lines.append("")
        lines.append("These system libraries are missing: " + ", ".join(libraries) + ".")
        command = install_line(known)
        if command:
            lines.append("On Debian or Ubuntu, install them with:")
            lines.append("")
            lines.append("    " + command)
        if unknown:
            lines.append("Find the package that provides " + ", ".join(unknown)
                         + " with your system's package manager.")
    else:
        lines.append("")
        lines.append("No missing library was found. What Qt said:")
        lines.extend("    " + line for line in (qt_output or "(nothing)").splitlines()[-8:])
        lines.append("Run `QT_DEBUG_PLUGINS=1 make run` for Qt's full account.")
    lines.append("")
    lines.append("Without a window, `.venv/bin/ec-console --self-test` proves the console starts, and "
                 "`.venv/bin/ec-console check --help` checks a mailbox.")
    return "\n".join(lines) + "\n"


def _qt_root() -> Path | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt"


def main(env: Mapping[str, str] | None = None, platform: str | None = None) -> int:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if needs_display_help(env, platform):
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return 1
    if not _unix_like(platform) or env.get("QT_QPA_PLATFORM", "").strip() in ("offscreen", "minimal"):
        return 0
    probe = probe_platform_plugin(env)
    if probe.ok:
        return 0
    root = _qt_root()
    libraries = missing_libraries(qt_plugin_files(root)) if root is not None else []
    sys.stderr.write(plugin_failure_message(libraries, probe.output))
    return 1


if __name__ == "__main__":
    sys.exit(main())
