"""Finds the top-level `resources/` folder: one helper for every way the console is run.

- frozen build (PyInstaller): `<bundle>/resources` (the spec copies it there);
- wheel install: `ec_console/resources` inside the package (pyproject force-includes it);
- source checkout and editable install: `resources/` beside the `ec_console/` package.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

_MARKER = "regions.toml"


def _candidates() -> list[Path]:
    found: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        found.append(Path(bundle) / "resources")
    package = Path(__file__).resolve().parent
    found.append(package / "resources")
    found.append(package.parent / "resources")
    return found


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    for candidate in _candidates():
        if (candidate / _MARKER).is_file():
            return candidate
    tried = ", ".join(str(c) for c in _candidates())
    raise FileNotFoundError(f"The console's resources folder is missing (looked in: {tried}). Reinstall it.")


def resource_path(*parts: str) -> Path:
    """Path of a file under resources/, e.g. `resource_path("icons", "app.svg")`."""
    return resources_dir().joinpath(*parts)
