#!/usr/bin/env bash
# Install the Debian/Ubuntu system libraries hipviz needs for Qt (xcb platform
# plugin), OpenGL rendering and headless testing under Xvfb.
#
# - All present: exits 0 quietly.
# - Missing and running as root: apt-get update + install the missing ones.
# - Missing and not root: prints the exact sudo command and exits 1.
# - Not a dpkg-based system: prints a note and exits 0.
set -euo pipefail

PACKAGES=(
    xvfb xauth
    libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-image0
    libxcb-render-util0 libxcb-xkb1 libxcb-randr0 libxcb-shape0
    libxcb-xfixes0 libxkbcommon-x11-0
    libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3
    # the browser tests (handout, classroom server): headless Chromium + its WebDriver
    chromium chromium-driver
)

if ! command -v dpkg >/dev/null 2>&1; then
    echo "install-system-deps: not a Debian/Ubuntu system (no dpkg); skipping." >&2
    echo "install-system-deps: make sure Xvfb, an OpenGL driver and the Qt5 xcb" \
         "libraries are installed by other means." >&2
    exit 0
fi

is_installed() {
    # `dpkg -s` also succeeds for removed-but-not-purged packages, so check the
    # Status line rather than just the exit code.
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

echo "install-system-deps: missing Debian packages: ${missing[*]}" >&2

if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: not running as root; please install them with:" >&2
    echo >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

# Double-check: fail loudly if apt did not actually install everything.
still_missing=()
for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
done
if [ "${#still_missing[@]}" -ne 0 ]; then
    echo "install-system-deps: still missing after apt-get: ${still_missing[*]}" >&2
    exit 1
fi
echo "install-system-deps: installed ${missing[*]}" >&2
