#!/usr/bin/env bash
# Smoke-tests a frozen onedir build: `--version` matches the package, `--self-test` opens the main window
# offscreen, saves a non-blank screenshot, draws a QtCharts trend chart, loads the German catalogs (the
# console's and Qt's .qm, the core's .mo) and reports the keychain backend.
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
EC_CONSOLE_HOME="$work/home" QT_QPA_PLATFORM=offscreen "$exe" --self-test "$shot" | tee "$work/self-test.txt"
[ -s "$shot" ] || { echo "self-test wrote no screenshot" >&2; exit 1; }
grep -q '^chart: QtCharts drew' "$work/self-test.txt" || { echo "the frozen build drew no chart" >&2; exit 1; }
grep -q "^translations: de" "$work/self-test.txt" || { echo "the frozen build lacks its German catalogs" >&2; exit 1; }

# The frozen build must find a real keychain backend (keyring discovers backends through package
# metadata, which a frozen build can lose): run the self-test again inside a private D-Bus session
# with gnome-keyring unlocked, with its own HOME so no real keyring is touched.
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  kr="$work/keyring-home"
  mkdir -p "$kr/run" && chmod 700 "$kr/run"
  report="$(HOME="$kr" XDG_DATA_HOME="$kr/data" XDG_RUNTIME_DIR="$kr/run" EXE="$exe" SHOT="$work/kr.png" \
    HOMEDIR="$work/home2" dbus-run-session -- bash -c '
      printf "smoke-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
      EC_CONSOLE_HOME="$HOMEDIR" QT_QPA_PLATFORM=offscreen "$EXE" --self-test "$SHOT"')"
  echo "$report" | grep -i '^keychain'
  echo "$report" | grep -q '^keychain: Secret Service' \
    || { echo "the frozen build did not find the Secret Service keychain" >&2; exit 1; }
else
  echo "gnome-keyring not installed: frozen keychain check skipped" >&2
  [ "${CI:-}" != "true" ] || exit 1
fi
echo "installer smoke test passed ($(du -sh "$bundle" | cut -f1) bundle)"
