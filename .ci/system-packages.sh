#!/usr/bin/env bash
# Install the system packages the test suite and the console's Qt runs need, when any is missing.
#
# Debian / Ubuntu (apt). Idempotent: when every package is present, apt-get is not called at all;
# otherwise `apt-get update` runs once and only the missing packages are installed. Runs apt-get as
# root, or through sudo when available. An entry "a|b" is satisfied by either package (the first one
# apt can install is chosen), for names that differ between releases (Ubuntu 24.04's t64 renames).
#
#   gnome-keyring dbus dbus-daemon   a private Secret Service for tests/test_secret_service.py
#   dbus-x11 xvfb xauth              `xvfb-run make run` / screenshots on a machine with no display
#   libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
#                                    what Qt's offscreen platform (the tests) loads
#   fonts-dejavu-core fontconfig     a font, or offscreen Qt warns and qt_log_level_fail fails tests
#   poppler-utils                    pdftotext, which tests/test_report_pdf.py reads the PDF reports with
#   systemd cron                     the monitor's scheduled jobs, run for real by tests/test_monitor_jobs.py
#                                    (a systemd user manager in a private mount namespace; the crontab tool)
#   postgresql                       a throwaway PostgreSQL cluster for the registry's PostgreSQL cases
#                                    (tests/pg_cluster.py: initdb, pg_ctl, postgres; pg_trgm comes with it)
#   libx11-xcb1 libxkbcommon-x11-0 libxcb-*
#                                    Qt's xcb platform (under xvfb-run)
set -euo pipefail

PACKAGES=(
    gnome-keyring dbus dbus-daemon dbus-x11
    xvfb xauth
    libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 "libglib2.0-0t64|libglib2.0-0"
    fonts-dejavu-core fontconfig poppler-utils systemd cron postgresql
    libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-packages: this script needs a Debian or Ubuntu system (dpkg and apt-get)." >&2
    echo "system-packages: install the equivalents of: ${PACKAGES[*]//|/ or }" >&2
    exit 1
fi

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

satisfied() {  # $1: "a|b|..."
    local alternative
    local -a alternatives
    IFS='|' read -r -a alternatives <<<"$1"
    for alternative in "${alternatives[@]}"; do
        installed "$alternative" && return 0
    done
    return 1
}

missing=()
for entry in "${PACKAGES[@]}"; do
    satisfied "$entry" || missing+=("$entry")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "system-packages: all ${#PACKAGES[@]} packages present; nothing to install."
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "system-packages: missing ${missing[*]}; run this script as root (sudo is not available)." >&2
    exit 1
fi

echo "system-packages: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q

choose() {  # the first alternative apt has a candidate for
    local alternative
    local -a alternatives
    IFS='|' read -r -a alternatives <<<"$1"
    for alternative in "${alternatives[@]}"; do
        policy=$(apt-cache policy "$alternative" 2>/dev/null || true)  # no pipe: pipefail + grep -q
        if [[ "$policy" =~ Candidate:\ [^\(] ]]; then
            echo "$alternative"
            return 0
        fi
    done
    echo "system-packages: no installable package among: $1" >&2
    return 1
}

to_install=()
for entry in "${missing[@]}"; do
    package=$(choose "$entry")
    to_install+=("$package")
done

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${to_install[@]}"
echo "system-packages: done."
