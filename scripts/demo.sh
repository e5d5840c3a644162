#!/usr/bin/env bash
# Creates the database in instance/, imports the courses, adds demo users and progress, and serves the app.
set -euo pipefail
cd "$(dirname "$0")/.."
lms=.venv/bin/lms
$lms db upgrade
$lms courses sync
$lms demo
exec $lms run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
