"""Wheel build hook: compiles the translation catalogs into the wheel (docs/i18n.md).

The `.ts` / `.po` sources are committed, the compiled `.qm` / `.mo` are not: every wheel compiles them
(ec_console/i18n_build.py, loaded by path so the build needs nothing of the console installed) beside
their sources, as `make` does. The `.qm` files then come in with resources/ (pyproject's force-include, which
takes the folder whole); the `.mo` files, ignored by git and so left out of the package, are added here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _i18n_build(root: Path) -> Any:
    spec = importlib.util.spec_from_file_location("_ec_i18n_build", root / "ec_console" / "i18n_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads the source tree, which `make` compiles (Makefile)
        root = Path(self.root)
        for compiled in _i18n_build(root).compile_all(root):
            if compiled.suffix == ".mo":
                build_data["force_include"][str(compiled)] = compiled.relative_to(root).as_posix()
