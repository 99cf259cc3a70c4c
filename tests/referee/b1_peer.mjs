// Benchmark B1, peer side: the SBOM of vulndesk-match's match_bench matched offline with
// @renovatebot/osv-offline-db 3.x, plus npm `semver` range checks on its candidates.
//
// Usage (from a directory where `npm install @renovatebot/osv-offline-db@3 semver@7` ran;
// scripts/bench-match.sh copies this file there):
//
//   OSV_OFFLINE_ROOT_DIR=DB_DIR node b1_peer.mjs SBOM_TSV VULNDESK_FINDINGS_TSV [ROUNDS]
//
// DB_DIR holds `pypi.nedb`, `go.nedb` and `crates.io.nedb`: one OSV record per line, the
// format OsvOfflineDb reads (it indexes the file by package name on the first query of an
// ecosystem, then reads the matching lines back from disk for every query). The package
// only reads those files; downloading them is the job of the separate
// @renovatebot/osv-offline package, which is not installed.
//
// One `query(ecosystem, name)` per component, awaited in turn as Renovate does. A candidate
// advisory affects the component when an `affected[]` entry of the package lists the
// version in `versions`, or when one of its SEMVER/ECOSYSTEM ranges, written as an npm
// semver range (`>=introduced <fixed || ...`, `<=` for `last_affected`, event pairs in
// record order), is satisfied (`semver.satisfies`, pre-releases included; versions that are
// not SemVer are coerced, `2.0` to `2.0.0`). Withdrawn records are skipped, as vulndesk
// skips them.
//
// Timings from process start (`performance.now()`): the first component answered and the
// whole SBOM answered in this fresh process (cold); then the best of ROUNDS (default 5)
// further passes (warm). Peak RSS from `process.resourceUsage().maxRSS`. The match set is
// compared with vulndesk's, each difference put in a category by what explains it. Results
// are printed as `key=value` lines. Categories of differences, each tested, not listed:
// `version-not-semver` and `range-bound-not-semver` (a PyPI version or bound that npm semver
// coerces, `4.2a1` to `4.2.0`, or refuses), `event-order` (a record whose events are not
// sorted intervals: the peer reads them pair by pair, vulndesk sorts them as the OSV schema
// says), `peer-purl-filter` (the record's purl is the PEP 503 name, which the peer's
// purl equality check refuses); anything else is `unexplained`.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { OsvOfflineDb } from '@renovatebot/osv-offline-db';
import semver from 'semver';

const [sbomPath, vulndeskPath, roundsArg] = process.argv.slice(2);
if (!sbomPath || !vulndeskPath) {
  console.error('usage: b1_peer.mjs SBOM_TSV VULNDESK_FINDINGS_TSV [ROUNDS]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 5);

function readTsv(path) {
  const [, ...lines] = readFileSync(path, 'utf8').split('\n');
  return lines.filter((line) => line.length > 0).map((line) => line.split('\t'));
}

const components = readTsv(sbomPath).map(([ecosystem, name, version]) => ({ ecosystem, name, version }));

/** A version as SemVer, coerced when it is not SemVer; null when it cannot be. */
function asSemver(text) {
  return semver.valid(text, { loose: true }) ?? semver.coerce(text, { includePrerelease: true })?.version ?? null;
}

/** An OSV range's events as an npm semver range, pair by pair in record order. */
function semverRange(events) {
  const parts = [];
  let lower = null;
  let open = false;
  for (const event of events ?? []) {
    if ('introduced' in event) {
      lower = event.introduced === '0' ? '0.0.0-0' : asSemver(event.introduced);
      open = true;
    } else if (open && ('fixed' in event || 'last_affected' in event)) {
      const fixed = 'fixed' in event;
      const upper = asSemver(fixed ? event.fixed : event.last_affected);
      if (lower && upper) parts.push(`>=${lower} ${fixed ? '<' : '<='}${upper}`);
      open = false;
    }
  }
  if (open && lower) parts.push(`>=${lower}`);
  return parts.length > 0 ? parts.join(' || ') : null;
}

function affects(advisory, ecosystem, name, version) {
  if (advisory.withdrawn) return false;
  for (const affected of advisory.affected ?? []) {
    const pkg = affected.package ?? {};
    if (pkg.name !== name || !(pkg.ecosystem === ecosystem || pkg.ecosystem?.startsWith(`${ecosystem}:`))) continue;
    if (affected.versions?.includes(version)) return true;
    const candidate = asSemver(version);
    if (!candidate) continue;
    for (const range of affected.ranges ?? []) {
      if (range.type === 'GIT') continue;
      const text = semverRange(range.events);
      if (text && semver.satisfies(candidate, text, { includePrerelease: true, loose: true })) return true;
    }
  }
  return false;
}

const db = OsvOfflineDb.create();
let firstAnswer = null;

async function matchAll() {
  const findings = new Set();
  for (const { ecosystem, name, version } of components) {
    const advisories = await db.query(ecosystem, name);
    if (firstAnswer === null) firstAnswer = performance.now();
    for (const advisory of advisories) {
      if (affects(advisory, ecosystem, name, version)) findings.add(`${ecosystem}\t${name}\t${version}\t${advisory.id}`);
    }
  }
  return findings;
}

const findings = await matchAll();
const cold = performance.now();
let warm = Infinity;
for (let i = 0; i < rounds; i++) {
  const started = performance.now();
  const again = await matchAll();
  warm = Math.min(warm, performance.now() - started);
  if (again.size !== findings.size) throw new Error('warm pass found a different match set');
}
const peakRssKib = process.resourceUsage().maxRSS;

// The differential check of the match sets.
const vulndesk = new Set(readTsv(vulndeskPath).map((row) => row.join('\t')));
const categories = new Map();
const examples = new Map();
const sortedEvents = (events) =>
  events.every((text, i) => i === 0 || text === '0' || semver.lte(asSemver(events[i - 1]) ?? '0.0.0', asSemver(text) ?? '0.0.0'));
const notSemver = (text) => text !== '0' && semver.valid(text, { loose: true }) === null;
for (const [side, mine, theirs] of [
  ['only-vulndesk', vulndesk, findings],
  ['only-peer', findings, vulndesk],
]) {
  for (const key of mine) {
    if (theirs.has(key)) continue;
    const [ecosystem, name, version, id] = key.split('\t');
    const record = (await db.query(ecosystem, name)).find((advisory) => advisory.id === id);
    let category = 'unexplained';
    const ranges = (record?.affected ?? [])
      .filter((a) => a.package?.name === name)
      .flatMap((a) => (a.ranges ?? []).map((r) => (r.events ?? []).flatMap((e) => Object.values(e))));
    const bounds = ranges.flat();
    if (side === 'only-vulndesk' && !record && ecosystem === 'PyPI' && /[A-Z._]/.test(name)) {
      // The records' purl carries the PEP 503 name (`pkg:pypi/jw-util`); the peer keeps only
      // advisories whose purl equals one built from the name as written (`pkg:pypi/jw.util`).
      category = 'peer-purl-filter';
    } else if (notSemver(version)) {
      category = 'version-not-semver';
    } else if (bounds.some(notSemver)) {
      category = 'range-bound-not-semver';
    } else if (ranges.some((events) => !sortedEvents(events))) {
      // Events that are not sorted disjoint intervals: the peer reads them pair by pair in
      // record order, vulndesk sorts them first as the OSV schema's algorithm says.
      category = 'event-order';
    }
    const label = `${side}.${category}`;
    categories.set(label, (categories.get(label) ?? 0) + 1);
    if (!examples.has(label)) examples.set(label, key.replaceAll('\t', ' '));
  }
}

db[Symbol.dispose]?.();
const both = [...findings].filter((key) => vulndesk.has(key)).length;
console.log(`components=${components.length}`);
console.log(`findings=${findings.size}`);
console.log(`vulndesk_findings=${vulndesk.size}`);
console.log(`both=${both}`);
console.log(`first_answer_seconds=${(firstAnswer / 1000).toFixed(6)}`);
console.log(`cold_seconds=${(cold / 1000).toFixed(6)}`);
console.log(`warm_seconds=${(warm / 1000).toFixed(6)}`);
console.log(`peak_rss_kib=${peakRssKib}`);
for (const [label, count] of [...categories].sort()) {
  console.log(`category.${label}=${count}`);
  console.error(`b1: ${label}: ${count}, e.g. ${examples.get(label)}`);
}
