"""Translation catalogs: extraction (for translators) and compilation (for every build). Qt-free.

`python -m ec_console.i18n_build compile [ROOT]` compiles every catalog of a source tree in place:
- `resources/i18n/ec_console_<lang>.ts` → `.qm` beside it (Qt's `lrelease`, shipped with PySide6), the GUI's;
- `ec_console/locale/<lang>/LC_MESSAGES/ec_console.po` → `.mo` beside it (Babel), the core's.
`python -m ec_console.i18n_build extract [ROOT]` (`make i18n`) collects the texts again: `lupdate` over
`ec_console/ui` into every `.ts`, Babel over the core into `resources/i18n/ec_console.pot` and every `.po`
(new texts arrive untranslated; texts gone from the code are dropped). docs/i18n.md has the workflow.

The Makefile, the wheel's build hook (`hatch_build.py`) and the PyInstaller spec all call `compile_all`; the
compiled files are never committed. This file is loaded by path by the build hook: it imports nothing of
ec_console.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

LANGUAGES = ("de",)  # every language but English, the source language (which needs no catalog)
DOMAIN = "ec_console"
# The core's extraction: `count(n, one, many)` (ec_console/words.py) is ngettext with its nouns at 2 and 3;
# `say(template, ...)` and `say_n(singular, plural, n, ...)` (ec_console/texts.py) are a step's texts.
KEYWORDS = {"_": None, "N_": None, "lazy": None, "ngettext": (1, 2), "count": (2, 3),
            "say": None, "say_n": (1, 2)}
CORE_METHOD_MAP = [
    ("**/ui/**", "ignore"),       # the GUI's texts go through Qt's tr() and lupdate
    ("**/sandbox/**", "ignore"),  # the fictional organisation's servers: nothing an administrator reads
    ("**.py", "python"),
]


def ts_files(root: Path) -> list[Path]:
    return sorted((root / "resources" / "i18n").glob(f"{DOMAIN}_*.ts"))


def po_files(root: Path) -> list[Path]:
    return sorted((root / "ec_console" / "locale").glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _qt_tool(name: str) -> str:
    """Path of a Qt tool shipped inside the PySide6 package (`lrelease`, `lupdate`)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"PySide6 is needed to run Qt's {name}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (folder / name, folder / f"{name}.exe", folder / "Qt" / "bin" / name):
        if candidate.is_file():
            return str(candidate)
    raise RuntimeError(f"Qt's {name} is not in {folder}")


def _partial(target: Path) -> Path:
    """Where `target` is written before it replaces the old one in one step: a process reading the
    catalog meanwhile (two test workers compiling a fresh clone at once) sees the old or the new file,
    never half of one."""
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def compile_ts(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(target)
    try:
        subprocess.run([_qt_tool("lrelease"), "-silent", str(source), "-qm", str(partial)], check=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def compile_po(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as handle:
        catalog = read_po(handle)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(target)
    try:
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def compile_all(root: Path, out: Path | None = None, *, only_stale: bool = False) -> list[Path]:
    """Compile every catalog of `root`; beside its source, or at the same relative path under `out`.

    Returns the compiled files. `only_stale` skips a catalog whose compiled file is newer than its source.
    """
    made: list[Path] = []
    pairs = [(ts, ts.with_suffix(".qm")) for ts in ts_files(root)]
    pairs += [(po, po.with_suffix(".mo")) for po in po_files(root)]
    for source, beside in pairs:
        target = beside if out is None else out / beside.relative_to(root)
        if only_stale and target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
            made.append(target)
            continue
        (compile_ts if source.suffix == ".ts" else compile_po)(source, target)
        made.append(target)
    return made


def extract(root: Path) -> None:
    """Collect the texts of the GUI into every `.ts` and of the core into the `.pot` and every `.po`."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po, write_po

    i18n = root / "resources" / "i18n"
    i18n.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        ts = i18n / f"{DOMAIN}_{language}.ts"
        subprocess.run([_qt_tool("lupdate"), "-extensions", "py", "-no-obsolete", "-locations", "absolute",
                        "-target-language", language, str(root / "ec_console" / "ui"), "-ts", str(ts)],
                       check=True, cwd=root)

    template = Catalog(domain=DOMAIN, project="ec-console", msgid_bugs_address="",
                      copyright_holder="Enterprise Connect", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root / "ec_console"), method_map=CORE_METHOD_MAP, keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        template.add(message, None, [(f"ec_console/{filename}", lineno)], auto_comments=comments,
                     context=context)
    with (i18n / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, width=110, omit_header=False, sort_output=False)
    for language in LANGUAGES:
        po = root / "ec_console" / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="ec-console", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, width=110, ignore_obsolete=True)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("compile", "extract"):
        print("usage: python -m ec_console.i18n_build compile|extract [ROOT]", file=sys.stderr)
        return 2
    root = Path(args[1] if len(args) > 1 else ".").resolve()
    if args[0] == "extract":
        extract(root)
    else:
        for path in compile_all(root):
            print(path.relative_to(root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
