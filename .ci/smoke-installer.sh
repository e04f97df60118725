#!/usr/bin/env bash
# Smoke-tests a frozen onedir build: `--version` matches the package, `--self-test` opens the main window
# offscreen, saves a non-blank screenshot and reports the keychain backend.
set -euo pipefail
bundle="${1:-dist/ec-console}"
exe="$bundle/ec-console"
[ -x "$exe" ] || { echo "no executable at $exe" >&2; exit 1; }

expected="ec-console $(sed -n 's/^__version__ = "\(.*\)"/\1/p' ec_console/__init__.py)"
actual="$("$exe" --version)"
echo "--version: $actual"
[ "$actual" = "$expected" ] || { echo "expected '$expected'" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
shot="$work/self-test.png"
EC_CONSOLE_HOME="$work/home" QT_QPA_PLATFORM=offscreen "$exe" --self-test "$shot"
[ -s "$shot" ] || { echo "self-test wrote no screenshot" >&2; exit 1; }
echo "installer smoke test passed ($(du -sh "$bundle" | cut -f1) bundle)"
