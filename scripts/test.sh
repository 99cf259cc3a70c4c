#!/usr/bin/env bash
# The whole vulndesk test suite, as CI runs it. On a fresh Debian machine it first installs what
# the tests need (Chromium and CJK fonts from Debian, cargo-nextest from crates.io, the pinned npm
# and PyPI packages from the lock files in this repo), starts PostgreSQL if it is installed but
# stopped, and then runs:
#   1. cargo fmt --check and cargo clippy (warnings are errors);
#   2. the Rust suite on SQLite, then the database-backed suites again on PostgreSQL;
#   3. the referee tests (reference libraries written by others);
#   4. API robustness (schemathesis against the OpenAPI document of the running server);
#   5. the browser tests (Playwright driving Debian's Chromium against the real binary).
# Environment: VULNDESK_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/), SKIP_INSTALL=1
# to skip the installation step.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

install_prerequisites() {
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
  command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
  # The PDF referees (qpdf's structure check, poppler's text extraction with the CJK maps).
  command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  [ -d /usr/share/poppler/cMap/Adobe-GB1 ] || need+=(poppler-data)
  if ((${#need[@]})); then
    step "installing Debian packages: ${need[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if ! cargo nextest --version >/dev/null 2>&1; then
    step "installing cargo-nextest"
    cargo install cargo-nextest --locked
  fi
  step "installing browser-test packages (npm ci)"
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
  step "installing the CSAF referee (npm ci)"
  (cd tests/referee/csaf && npm ci --no-audit --no-fund --silent)
  step "installing referee packages (pip, pinned)"
  if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/referee/requirements.txt \
    -r tests/referee/requirements-match.txt -r tests/referee/requirements-api.txt \
    -r tests/referee/requirements-mail.txt
}

ensure_postgres() {
  export VULNDESK_TEST_PG_URL="${VULNDESK_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/}"
  if ! psql "${VULNDESK_TEST_PG_URL}postgres" -Atqc 'select 1' >/dev/null 2>&1; then
    if command -v pg_ctlcluster >/dev/null 2>&1; then
      step "starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
      sleep 2
    fi
  fi
  if ! psql "${VULNDESK_TEST_PG_URL}postgres" -Atqc 'select 1' >/dev/null 2>&1; then
    echo "PostgreSQL is not reachable at ${VULNDESK_TEST_PG_URL}: the suite must run on it too" >&2
    exit 1
  fi
  # Databases left by an earlier run that was killed before it could drop them.
  psql "${VULNDESK_TEST_PG_URL}postgres" -Atqc "select datname from pg_database where datname like 'vulndesk_test_%'" |
    while read -r db; do psql "${VULNDESK_TEST_PG_URL}postgres" -qc "drop database if exists \"$db\" with (force)" >/dev/null; done
}

[ "${SKIP_INSTALL:-0}" = 1 ] || install_prerequisites
ensure_postgres

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust suite on SQLite"
VULNDESK_TEST_DATABASE=sqlite cargo nextest run --workspace --locked --no-fail-fast

step "database-backed suites on PostgreSQL"
VULNDESK_TEST_DATABASE=postgres cargo nextest run --locked --no-fail-fast \
  -p vulndesk-store -p vulndesk-web -p vulndesk-cli

step "referee: CVSS scores against Red Hat's cvss library"
cargo build --locked -q -p vulndesk-formats --example cvss_score_lines
.venv/bin/python tests/referee/cvss_referee.py --binary "$root/target/debug/examples/cvss_score_lines"

step "referee: OSV range evaluation against packaging (PyPI) and univers (Go, crates.io)"
cargo build --locked -q -p vulndesk-match --example osv_affected
.venv/bin/python tests/referee/osv_pypi_referee.py --binary "$root/target/debug/examples/osv_affected" \
  --ecosystems PyPI Go crates.io

step "referee: generated CSAF against the BSI csaf-validator-lib (schema and mandatory tests)"
cargo build --locked -q -p vulndesk-formats --example csaf_write
csaf_out=$(mktemp -d)
"$root/target/debug/examples/csaf_write" "$csaf_out"
(cd tests/referee/csaf && node validate.mjs "$csaf_out")
rm -rf "$csaf_out"

step "API robustness: schemathesis against the OpenAPI document"
cargo build --locked -q -p vulndesk-cli
VULNDESK_BIN="$root/target/debug/vulndesk" scripts/api-robustness.sh

step "browser tests (Playwright + Debian Chromium)"
cargo build --locked -q -p vulndesk-cli
(cd tests/browser && VULNDESK_BIN="$root/target/debug/vulndesk" npm test)
