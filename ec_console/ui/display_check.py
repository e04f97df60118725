"""`python -m ec_console.ui.display_check`: can a window be shown here? (`make run` asks first.)

On Linux with no X11 or Wayland display and no `QT_QPA_PLATFORM`, Qt would abort with a cryptic
"could not connect to display" message; this says how to run the console instead and exits 1.
Everywhere else it exits 0 silently. It imports no Qt, so it answers instantly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

MESSAGE = """\
ec-console: there is no display to open the console's window on (DISPLAY and WAYLAND_DISPLAY are unset).

  - On a desktop session, run `make run` from a terminal inside it.
  - On a server or over SSH, use a virtual display:   xvfb-run -a make run
    (Debian/Ubuntu: sudo apt-get install xvfb)
  - To prove the console starts, with no window at all: .venv/bin/ec-console --self-test
  - To check a mailbox without the GUI:               .venv/bin/ec-console check --help
"""


def needs_display_help(env: Mapping[str, str], platform: str) -> bool:
    """True on Linux-like systems when Qt has no display and no platform plugin chosen."""
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    return not any(env.get(name, "").strip() for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(env: Mapping[str, str] | None = None, platform: str | None = None) -> int:
    if needs_display_help(os.environ if env is None else env, sys.platform if platform is None else platform):
        sys.stderr.write(MESSAGE)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
