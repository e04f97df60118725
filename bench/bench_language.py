"""The cost of a language: the command line and the main window in German against English. Figures only.

1. `ec-console --help` as whole processes with `LANG=de_DE.UTF-8` (B) and `LANG=C.UTF-8` (A), in
   alternating pairs (A then B, then B then A), each pair's ratio B / A and the median ratio printed: German
   loads one small .mo on top of what English does.
2. In one process: the main window built on an empty data folder with German installed (the console's and
   Qt's .qm, the core's .mo, QLocale) against English, median of `--repeat` builds each, and what
   `install_translators` itself takes.

    QT_QPA_PLATFORM=offscreen python bench/bench_language.py [--pairs 7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from summary import report  # noqa: E402


def _help_seconds(lang: str, pycache: str) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(LANG=lang, PYTHONPYCACHEPREFIX=pycache, PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ec_console", "--help"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def command_line(pairs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ec-bench-pyc-") as pycache:
        _help_seconds("de_DE.UTF-8", pycache)  # compile the bytecode once, as an installed console has it
        ratios, english, german = [], [], []
        for i in range(pairs):
            order = ("C.UTF-8", "de_DE.UTF-8") if i % 2 == 0 else ("de_DE.UTF-8", "C.UTF-8")
            took = {lang: _help_seconds(lang, pycache) for lang in order}
            english.append(took["C.UTF-8"])
            german.append(took["de_DE.UTF-8"])
            ratios.append(took["de_DE.UTF-8"] / took["C.UTF-8"])
            print(f"  pair {i + 1}: English {took['C.UTF-8'] * 1000:6.1f} ms  German "
                  f"{took['de_DE.UTF-8'] * 1000:6.1f} ms  ratio {ratios[-1]:.2f}")
    median = statistics.median(ratios)
    print(f"ec-console --help: English median {statistics.median(english) * 1000:.1f} ms, German "
          f"{statistics.median(german) * 1000:.1f} ms, median ratio German / English {median:.2f}")
    report("ec-console --help, German / English (whole processes)", f"{median:.2f}×", "no target", None)


def main_window(repeat: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("EC_CONSOLE_CREDENTIAL_STORE", "memory")
    with tempfile.TemporaryDirectory(prefix="ec-bench-home-") as home:
        os.environ["EC_CONSOLE_HOME"] = home
        from ec_console.i18n_build import compile_all
        from ec_console.ui.app import (
            create_application,
            create_main_window,
            install_translators,
            remove_translators,
        )
        from ec_console.ui.tasks import shutdown_pools

        compile_all(ROOT, only_stale=True)
        app = create_application()
        figures: dict[str, list[float]] = {"en": [], "de": []}
        installs: list[float] = []
        for _ in range(repeat):
            for language in ("en", "de"):
                started = time.perf_counter()
                install_translators(app, language)
                if language == "de":
                    installs.append(time.perf_counter() - started)
                built = time.perf_counter()
                window = create_main_window("us", keychain="memory")
                app.processEvents()
                figures[language].append(time.perf_counter() - built)
                window.close()
                window.deleteLater()
                app.processEvents()
                remove_translators(app)
        shutdown_pools()
    en, de = (statistics.median(figures[k]) for k in ("en", "de"))
    install = statistics.median(installs) * 1000
    print(f"main window built: English median {en * 1000:.1f} ms, German {de * 1000:.1f} ms "
          f"(ratio {de / en:.2f}); install_translators('de') median {install:.2f} ms")
    report("main window built, German / English", f"{de / en:.2f}×", "no target", None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    command_line(args.pairs)
    main_window(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
