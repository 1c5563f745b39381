#!/usr/bin/env bash
# The built wheel works for a user: build it, install it into a fresh virtualenv and, from
# a folder outside the checkout, run what a student or instructor runs first. `make test`
# runs this after the test suite; it needs only PyPI (pip's cache makes repeats quick) and,
# for the window, Xvfb's xvfb-run.
#
#   scripts/wheel-smoke.sh [PYTHON]     (default: python3)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${1:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hipviz-wheel-smoke.XXXXXX")"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf "\n== wheel smoke (%ss): %s\n" "$SECONDS" "$*"; }
fail() { echo "wheel smoke FAILED: $*" >&2; exit 1; }

step "build the wheel"
# from a clean copy of the sources: an in-tree build would leave build/ in the checkout, and
# setuptools would put a module deleted since the last build into the next wheel
mkdir "$work/src"
tar -C "$repo" --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./dist \
    --exclude='*.egg-info' --exclude=__pycache__ --exclude=.pytest_cache \
    --exclude=.hypothesis --exclude=.ruff_cache -cf - . | tar -C "$work/src" -xf -
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src"
wheel="$(ls "$work"/dist/hipviz-*.whl)"
echo "$wheel"

step "install it into a fresh virtualenv"
"$python" -m venv "$work/venv"
# --no-compile: byte-compiling VTK, SciPy and Qt at install time would double the time
"$work/venv/bin/python" -m pip install --quiet --no-compile "$wheel"
bin="$work/venv/bin"

# a user's folder: not the checkout, no PYTHONPATH, no mesh or scene overrides; the bone
# cache in the temp folder so no run leaves files in the home folder
mkdir "$work/user" && cd "$work/user"
unset PYTHONPATH HIPVIZ_MESH_DIR HIPVIZ_SCENE_DIR
export HIPVIZ_CACHE_DIR="$work/cache"

installed="$("$bin/python" -c 'import hipviz; print(hipviz.__file__)')"
case "$installed" in
    "$work"/venv/*) echo "imports $installed" ;;
    *) fail "hipviz was imported from $installed, not from the fresh virtualenv" ;;
esac

step "hipviz --version"
"$bin/hipviz" --version

step "hipviz render -o w.png"
"$bin/hipviz" render -o w.png
"$bin/python" - <<'EOF'
from PIL import Image
import numpy as np
image = np.asarray(Image.open("w.png").convert("RGB"))
assert image.shape == (1000, 1600, 3), image.shape
assert len(np.unique(image.reshape(-1, 3), axis=0)) > 1000, "the figure is nearly blank"
EOF

step "hipviz report"
"$bin/hipviz" report --set right.gt_superior_mm=8 > report.txt
head -n 5 report.txt
grep -q "^Piriformis  *Right" report.txt || fail "the report lists no piriformis"

step "hipviz handout -o h.html"
"$bin/hipviz" handout -o h.html
grep -q "<html" h.html || fail "h.html is not a web page"

step "hipviz serve (one request)"
port="$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin/hipviz" serve --host 127.0.0.1 --port "$port" > serve.log 2>&1 &
server=$!
"$bin/python" - "$port" <<'EOF' || { cat serve.log >&2; fail "the classroom server did not answer"; }
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/"
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            page = response.read().decode("utf-8", "replace")
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
assert response.status == 200 and "<html" in page.lower(), page[:200]
print(f"GET {url}: {response.status}, {len(page)} characters")
EOF
kill "$server" && wait "$server" 2>/dev/null || true
server=""

step "the window under Xvfb: hipviz gui --screenshot win.png"
xvfb-run -a -s "-screen 0 1600x1000x24" "$bin/hipviz" gui --screenshot win.png
"$bin/python" - <<'EOF'
from PIL import Image
width, height = Image.open("win.png").size
assert width >= 800 and height >= 600, (width, height)
EOF

step "build commands refuse to write into the installed package"
if "$bin/hipviz" build-meshes 2> refuse.txt; then fail "build-meshes ran without --out"; fi
cat refuse.txt
grep -q "give --out" refuse.txt || fail "build-meshes did not say what to give"

step "passed"
