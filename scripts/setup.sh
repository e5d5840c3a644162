#!/usr/bin/env bash
# Sets up a fresh machine: system packages, Python packages, three.js, compiled translations.
#   bash scripts/setup.sh          the app
#   bash scripts/setup.sh --test   the app plus what the tests use (chromium, PostgreSQL/Redis tools, reference tools)
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

apt_packages=(fonts-noto-core fonts-dejavu-core)
if [ $with_tests = 1 ]; then
  apt_packages+=(chromium redis-server admesh prusa-slicer poppler-utils zbar-tools time openssl python3-venv nginx-light)
fi
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "please install: ${missing[*]} (sudo apt-get install ...)" >&2
  fi
fi

# The project's own virtual environment, so nothing clashes with the system's Python packages.
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --progress-bar off --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check --progress-bar off -e ".[test]"
# OctoPrint for the lab tests: its own environment (it pins Flask < 3.1), from the system Python so that
# the unprivileged user it must run as can read the interpreter.
if [ $with_tests = 1 ]; then
  [ -x .venv-octoprint/bin/octoprint ] || { /usr/bin/python3 -m venv .venv-octoprint \
    && .venv-octoprint/bin/python -m pip install -q --disable-pip-version-check --progress-bar off "octoprint>=1.10"; }
fi
# three.js for the 3D viewer and esbuild to bundle it, from the npm registry (pinned in package-lock.json).
npm ci --no-audit --no-fund --loglevel=error
# The viewer and three.js as one minified bundle (lms/static/dist), then .br/.gz beside each static file.
rm -rf lms/static/dist && npm run --silent build
.venv/bin/python -m lms.static_files >/dev/null
.venv/bin/pybabel compile -d lms/translations 2>&1 | grep -v "^compiling catalog" || true
test "${PIPESTATUS[0]}" -eq 0
echo "setup done"
