#!/usr/bin/env bash
# Side-by-side peer benchmarks of the matching engine (vulndesk-match), as specified in
# shared/docs/performance.md:
#
#   B2: 1,000,000 `vers` range checks over npm, PyPI, Maven, Debian, RPM and Go, vulndesk
#       (examples/range_bench.rs) against Python univers 32.0.1
#       (tests/referee/range_bench_univers.py), which also compares every verdict.
#   B1: a 20,000-component SBOM matched offline against the PyPI, Go and crates.io OSV
#       archives, vulndesk (examples/match_bench.rs) against npm @renovatebot/osv-offline-db
#       3.x plus npm semver (tests/referee/b1_peer.mjs), fed the same records as the NDJSON
#       files it reads; cold (fresh process) and warm times, peak RSS, match sets compared.
#
# Usage: scripts/bench-match.sh [DATA_DIR]
#   DATA_DIR          holds PyPI/all.zip, Go/all.zip and crates.io/all.zip (default:
#                     ../shared/data/osv beside the checkout)
# Environment:
#   CARGO_TARGET_DIR  cargo's target directory (default: target in the checkout)
#   BENCH_VENV        the Python venv for univers, created if missing (default /tmp/bench-venv)
#   PEER_ROUNDS       timed rounds on the univers side, best kept (default 3, as on the Rust side)
#   KEEP_WORK=1       keep the work directory (the TSV of checks and the raw outputs)
#   SKIP_B1=1         run B2 only (B1 needs node 20+ and npm)
#
# Prints one markdown table and exits 1 if a differential test finds a disagreement it
# cannot explain. Both sides run single-threaded, so checks/s are per core.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$ROOT/../shared/data/osv}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="${BENCH_VENV:-/tmp/bench-venv}"
ROUNDS="${PEER_ROUNDS:-3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-match.XXXXXX")"
if [[ "${KEEP_WORK:-0}" != 1 ]]; then
  trap 'rm -rf "$WORK"' EXIT
fi

log() { printf '%s\n' "bench-match: $*" >&2; }

for ecosystem in PyPI Go crates.io; do
  [[ -f "$DATA/$ecosystem/all.zip" ]] || { log "missing $DATA/$ecosystem/all.zip"; exit 2; }
done

# --- the peer's Python environment ---------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$ROOT/tests/referee/requirements-match.txt"

# --- B2 ---------------------------------------------------------------------------------
log "building range_bench and match_bench (release)"
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET" cargo build --quiet --release -p vulndesk-match \
  --example range_bench --example match_bench)

log "B2 vulndesk: generating 1,000,000 checks and timing them"
"$TARGET/release/examples/range_bench" --data "$DATA" --out "$WORK/range_bench.tsv" >"$WORK/vulndesk.txt"

log "B2 univers: checking the same triples (best of $ROUNDS; a few minutes)"
peer_status=0
"$VENV/bin/python" "$ROOT/tests/referee/range_bench_univers.py" "$WORK/range_bench.tsv" --rounds "$ROUNDS" \
  >"$WORK/univers.txt" 2>"$WORK/univers-report.txt" || peer_status=$?
cat "$WORK/univers-report.txt" >&2
if [[ "$peer_status" -ne 0 && "$peer_status" -ne 1 ]]; then
  log "the univers side failed (exit $peer_status)"
  exit "$peer_status"
fi

# --- B1 ---------------------------------------------------------------------------------
run_b1=0
if [[ "${SKIP_B1:-0}" != 1 ]]; then
  if command -v node >/dev/null && command -v npm >/dev/null; then
    run_b1=1
  else
    log "node or npm missing: skipping B1"
  fi
fi
b1_status=0
if [[ "$run_b1" == 1 ]]; then
  B1="$WORK/b1"
  mkdir -p "$B1/db" "$B1/out"
  log "B1 peer: npm install @renovatebot/osv-offline-db@3 semver@7 into $B1"
  (cd "$B1" && npm init --yes >/dev/null && npm install --no-audit --no-fund --loglevel=error \
    @renovatebot/osv-offline-db@3 semver@7 >/dev/null)
  cp "$ROOT/tests/referee/b1_peer.mjs" "$B1/"

  # OsvOfflineDb reads OSV_OFFLINE_ROOT_DIR/<ecosystem in lower case>.nedb, one record a
  # line, and keeps an advisory only if affected[].package.purl equals the purl it builds
  # from the name (osv.dev's purl rule). The Go records of the archives carry no purl, so
  # the rule's purl is added where one is missing; nothing else is changed.
  log "B1 peer: writing the .nedb files from the archives"
  "$VENV/bin/python" - "$DATA" "$B1/db" <<'PY'
import json, sys, zipfile
from pathlib import Path
from urllib.parse import quote

data, out = Path(sys.argv[1]), Path(sys.argv[2])
for ecosystem, purl_type in {"PyPI": "pypi", "Go": "golang", "crates.io": "cargo"}.items():
    added = 0
    with zipfile.ZipFile(data / ecosystem / "all.zip") as archive, \
            open(out / f"{ecosystem.lower()}.nedb", "w", encoding="utf-8") as db:
        for name in sorted(archive.namelist()):
            if not name.endswith(".json"):
                continue
            record = json.loads(archive.read(name))
            for affected in record.get("affected", []):
                package = affected.get("package", {})
                if "purl" not in package and package.get("name"):
                    # encodeURIComponent of each path segment, as the peer's packageToPurl does.
                    segments = (quote(s, safe="-_.!~*'()") for s in package["name"].split("/"))
                    package["purl"] = f"pkg:{purl_type}/" + "/".join(segments)
                    added += 1
            db.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"bench-match: {ecosystem}: purl added to {added} affected packages", file=sys.stderr)
PY

  log "B1 vulndesk: match_bench (fresh process)"
  "$TARGET/release/examples/match_bench" "$DATA" "$B1/out" >"$B1/match_bench.md"
  log "B1 peer: osv-offline-db (fresh process, node $(node --version))"
  (cd "$B1" && OSV_OFFLINE_ROOT_DIR="$B1/db" node b1_peer.mjs "$B1/out/sbom.tsv" "$B1/out/findings.tsv" 5) \
    >"$B1/peer.txt" || b1_status=$?
  if [[ "$b1_status" -ne 0 ]]; then
    log "the B1 peer failed (exit $b1_status)"
    exit "$b1_status"
  fi
fi

# --- the table --------------------------------------------------------------------------
value() { # FILE KEY
  awk -F= -v key="$2" '$1 == key { print substr($0, length(key) + 2); found = 1 } END { if (!found) print "" }' "$1"
}
vd() { value "$WORK/vulndesk.txt" "$1"; }
peer() { value "$WORK/univers.txt" "$1"; }
row() { # LABEL VULNDESK PEER UNIT (rate: higher is better)
  awk -v label="$1" -v a="$2" -v b="$3" -v unit="$4" 'BEGIN {
    r = (b > 0 ? a / b : 0)
    printf "| %s | %.0f %s | %.0f %s | " (r < 10 ? "%.2f" : "%.0f") "× |\n", label, a, unit, b, unit, r
  }'
}
seconds_row() { # LABEL VULNDESK_S PEER_S (time: lower is better)
  awk -v label="$1" -v a="$2" -v b="$3" 'BEGIN {
    r = (a > 0 ? b / a : 0)
    printf "| %s | %.3f s | %.3f s | " (r < 10 ? "%.2f" : "%.0f") "× |\n", label, a, b, r
  }'
}

univers_version="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("univers"))')"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo
echo "### vulndesk-match peer benchmarks"
echo
echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}; $(uname -sr); rustc $(rustc --version | awk '{print $2}'); $("$VENV/bin/python" --version 2>&1), univers $univers_version"
echo
echo "| bench | vulndesk | peer | ratio |"
echo "|---|---:|---:|---:|"
row "B2 \`contains\`, $(vd checks) checks, $(vd distinct_ranges) distinct ranges, 6 ecosystems" \
  "$(vd contains_checks_per_s)" "$(peer contains_checks_per_s)" "checks/s"
row "B2 end to end (parse ranges once + parse each version + check)" \
  "$(vd end_to_end_checks_per_s)" "$(peer end_to_end_checks_per_s)" "checks/s"
for scheme in npm pypi maven deb rpm golang; do
  row "B2 \`contains\`, $scheme ($(vd "$scheme.checks") checks, $(vd "$scheme.distinct_ranges") ranges)" \
    "$(vd "$scheme.contains_checks_per_s")" "$(peer "$scheme.contains_checks_per_s")" "checks/s"
done
seconds_row "B2 parse the $(vd distinct_ranges) distinct ranges" "$(vd range_parse_seconds)" "$(peer range_parse_seconds)"
if [[ "$run_b1" == 1 ]]; then
  b1v() { value "$B1/out/vulndesk.txt" "$1"; }
  b1p() { value "$B1/peer.txt" "$1"; }
  seconds_row "B1 cold: time to first answer (fresh process)" "$(b1v first_answer_seconds)" "$(b1p first_answer_seconds)"
  seconds_row "B1 cold: $(b1v components)-component SBOM matched (fresh process)" "$(b1v cold_seconds)" "$(b1p cold_seconds)"
  seconds_row "B1 warm: SBOM matched again (best of 5)" "$(b1v warm_seconds)" "$(b1p warm_seconds)"
  awk -v a="$(b1v peak_rss_kib)" -v b="$(b1p peak_rss_kib)" 'BEGIN {
    printf "| B1 peak RSS | %.1f MiB | %.1f MiB | %.2f× |\n", a / 1024, b / 1024, (a > 0 ? b / a : 0)
  }'
fi
echo
echo "vulndesk: Rust, best of 3, one thread. Peer: univers $univers_version (\`VersionRange.from_string\`, \`version in range\`), best of $ROUNDS, one thread, timed on the $(peer answered) checks it can answer."
echo
echo "B2 differential test: $(peer rows) checks, $(peer agree) agree, $(peer disagree) disagree, $(peer no_answer) without a univers answer, **$(peer unexplained) unexplained**."
echo
echo "| category | kind | checks |"
echo "|---|---|---:|"
awk -F= '/^category\./ { split($1, part, "."); printf "| %s | %s | %s |\n", part[3], part[2], $2 }' "$WORK/univers.txt"

unexplained_b1=0
if [[ "$run_b1" == 1 ]]; then
  echo
  echo "B1: vulndesk loads all three archives before answering; the peer indexes an ecosystem's file on its first query of that ecosystem (the first component is $(awk -F'\t' 'NR == 2 { print $1; exit }' "$B1/out/sbom.tsv")). vulndesk's RSS includes its 1,000,000-check \`Range::contains\` workload. Match sets: vulndesk $(b1v findings), peer $(b1p findings), both $(b1p both)."
  echo
  echo "| category | side | findings |"
  echo "|---|---|---:|"
  awk -F= '/^category\./ { n = split($1, part, "."); printf "| %s | %s | %s |\n", part[3], part[2], $2 }' "$B1/peer.txt"
  unexplained_b1="$(awk -F= '/^category\..*\.unexplained=/ { n += $2 } END { print n + 0 }' "$B1/peer.txt")"
fi

if [[ "$unexplained_b1" -ne 0 ]]; then
  log "B1: match-set differences no category explains (see $B1/peer.txt)"
  exit 1
fi
if [[ "$peer_status" -ne 0 ]]; then
  log "univers and vulndesk disagree on checks no category explains (see the report above)"
  exit 1
fi
