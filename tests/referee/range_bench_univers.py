#!/usr/bin/env python3
"""Benchmark B2, peer side: the range checks of range_bench.tsv evaluated with ``univers``.

The TSV comes from vulndesk-match's ``range_bench`` example: one line per check with the
``vers`` scheme, the ``vers`` range string, the version and vulndesk's verdict (1 inside, 0
outside). This script evaluates the same triples with univers (pinned in
requirements-match.txt) the way its documentation shows, ``VersionRange.from_string(vers)``
and ``version in range``, and times it the way the Rust side is timed:

* ``contains``: every distinct range parsed once and every distinct version parsed once
  beforehand; the timed loop is only ``version in range``.
* ``end_to_end``: the timed loop parses each distinct range once (on first use) and each
  check's version, then checks it.

Both run on the checks univers can answer (see below); checks/s are for one core, as is
the Rust side. The run doubles as a differential test: every check where univers has no
answer or answers differently is put in a category by testing what explains it, never by
listing cases:

* ``pep440-legacy`` (no answer): the version or a bound of the range is not a PEP 440
  version. univers' PypiVersion only accepts PEP 440 (packaging 22+ dropped
  ``LegacyVersion``); vulndesk orders such strings as the old ``LegacyVersion`` did, like
  osv-scalibr, because PyPI's OSV records name them.
* ``univers-invalid-version`` (no answer): univers' version class refuses a version or
  bound that the ecosystem's own tool accepts (the ecosystem's grammar is checked here).
* ``semver-build-metadata`` (disagreement): the version or a bound carries SemVer build
  metadata (``+build.1``, Go's ``+incompatible``). SemVer 2.0.0 section 10 says build
  metadata MUST be ignored for precedence; univers' ``EnhancedSemanticVersion`` appends it
  to the precedence key, so ``1.0.0+build.1`` sorts above ``1.0.0``. Explained when univers
  agrees with vulndesk once build metadata is stripped from the version and the bounds.
* ``maven-release-alias`` (disagreement): the version or a bound has the Maven qualifier
  ``release`` (``4.3.2.RELEASE``, Spring's style until 5.x). Maven's ComparableVersion
  treats ``release`` as an alias of the empty qualifier, like ``ga`` and ``final``, so
  ``3.1.1.RELEASE`` equals ``3.1.1``; univers' port (``ALIASES`` in univers/maven.py) only
  knows ``ga``, ``final`` and ``cr`` and sorts ``release`` as an unknown qualifier, above
  the release. Explained when univers agrees with vulndesk once every ``release`` qualifier
  is rewritten as ``ga``, which both univers and Maven read as the empty qualifier.

Anything else is ``unexplained`` and the script exits 1. Results go to stdout as
``key=value`` lines for scripts/bench-match.sh; the category report goes to stderr.

Usage: range_bench_univers.py range_bench.tsv [--rounds N]
"""

from __future__ import annotations

import argparse
import collections
import csv
import re
import sys
import time

from packaging.version import InvalidVersion as PackagingInvalidVersion
from packaging.version import Version as PackagingVersion
from univers.version_range import RANGE_CLASS_BY_SCHEMES, VersionRange

csv.field_size_limit(1 << 20)

SCHEMES = ["npm", "pypi", "maven", "deb", "rpm", "golang"]
SEMVER_SCHEMES = {"npm", "golang"}
# The Maven qualifier `release` as a whole token (after `.` or `-`, before `.`, `-` or the end).
MAVEN_RELEASE = re.compile(r"(?i)(?<=[.-])release(?=$|[.|-])")


class NoAnswer(Exception):
    """univers cannot evaluate a check; carries the reason."""


def read_rows(path: str) -> list[tuple[str, str, str, bool]]:
    rows = []
    with open(path, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header != ["scheme", "vers", "version", "vulndesk"]:
            sys.exit(f"{path}: unexpected header {header}")
        for scheme, vers, version, verdict in reader:
            rows.append((scheme, vers, version, verdict == "1"))
    return rows


def bounds_of(vers: str) -> list[str]:
    """The version texts of a vers string's constraints."""
    body = vers.split("/", 1)[1]
    if body == "*":
        return []
    return [re.sub(r"^(>=|<=|!=|<|>|=)", "", c) for c in body.split("|")]


def pep440(text: str) -> bool:
    try:
        PackagingVersion(text)
        return True
    except PackagingInvalidVersion:
        return False


def why_unparseable(scheme: str, texts: list[str]) -> str:
    """The category for a range or version univers refused."""
    version_class = RANGE_CLASS_BY_SCHEMES[scheme].version_class
    bad = []
    for text in texts:
        try:
            version_class(text)
        except Exception:  # univers raises InvalidVersion, ValueError or TypeError
            bad.append(text)
    if scheme == "pypi" and bad and all(not pep440(t) for t in bad):
        return "pep440-legacy"
    if bad:
        return "univers-invalid-version"
    return "unexplained"


def strip_build(text: str) -> str:
    return text.split("+", 1)[0]


def explain_disagreement(scheme: str, vers: str, version: str, vulndesk: bool) -> str:
    """The category of a check where univers and vulndesk disagree."""
    if scheme in SEMVER_SCHEMES and ("+" in version or "+" in vers):
        body = vers.split("/", 1)[1]
        stripped_vers = vers.split("/", 1)[0] + "/" + "|".join(
            re.sub(r"\+[0-9A-Za-z.-]*$", "", c) for c in body.split("|")
        )
        try:
            range_ = VersionRange.from_string(stripped_vers)
            if (range_.version_class(strip_build(version)) in range_) == vulndesk:
                return "semver-build-metadata"
        except Exception:
            pass
    if scheme == "maven" and MAVEN_RELEASE.search(vers + "|" + version):
        try:
            range_ = VersionRange.from_string(MAVEN_RELEASE.sub("ga", vers))
            if (range_.version_class(MAVEN_RELEASE.sub("ga", version)) in range_) == vulndesk:
                return "maven-release-alias"
        except Exception:
            pass
    return "unexplained"


def best_of(rounds: int, work) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tsv")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds, best kept (default 3)")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per category")
    args = parser.parse_args()

    rows = read_rows(args.tsv)

    # Parse every distinct range and version once, remembering failures.
    ranges: dict[str, object] = {}
    started = time.perf_counter()
    for scheme, vers, _, _ in rows:
        if vers not in ranges:
            try:
                ranges[vers] = VersionRange.from_string(vers)
            except Exception as err:  # noqa: BLE001 - any refusal is a "no answer"
                ranges[vers] = NoAnswer(f"{type(err).__name__}: {err}")
    range_parse = time.perf_counter() - started
    versions: dict[tuple[str, str], object] = {}
    for scheme, _, version, _ in rows:
        key = (scheme, version)
        if key not in versions:
            try:
                versions[key] = RANGE_CLASS_BY_SCHEMES[scheme].version_class(version)
            except Exception as err:  # noqa: BLE001
                versions[key] = NoAnswer(f"{type(err).__name__}: {err}")

    # Verdicts and categories.
    answered: list[int] = []
    verdicts: list[bool | None] = [None] * len(rows)
    categories: dict[str, collections.Counter] = {
        "no-answer": collections.Counter(),
        "disagreement": collections.Counter(),
    }
    examples: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    per_scheme = collections.defaultdict(collections.Counter)

    def record(kind: str, category: str, row, detail: str = "") -> None:
        categories[kind][category] += 1
        per_scheme[row[0]][f"{kind}:{category}"] += 1
        if len(examples[(kind, category)]) < args.examples:
            examples[(kind, category)].append(f"{row[0]} {row[1]} {row[2]} vulndesk={int(row[3])} {detail}".rstrip())

    for i, row in enumerate(rows):
        scheme, vers, version, vulndesk = row
        range_ = ranges[vers]
        parsed = versions[(scheme, version)]
        if isinstance(range_, NoAnswer):
            record("no-answer", why_unparseable(scheme, bounds_of(vers)), row, str(range_))
            continue
        if isinstance(parsed, NoAnswer):
            record("no-answer", why_unparseable(scheme, [version]), row, str(parsed))
            continue
        try:
            inside = parsed in range_
        except Exception as err:  # noqa: BLE001
            record("no-answer", "univers-contains-error", row, f"{type(err).__name__}: {err}")
            continue
        verdicts[i] = inside
        answered.append(i)
        if inside != vulndesk:
            record("disagreement", explain_disagreement(scheme, vers, version, vulndesk), row, f"univers={int(inside)}")

    # Timings over the checks univers answers.
    pairs = [(ranges[rows[i][1]], versions[(rows[i][0], rows[i][2])]) for i in answered]

    def contains_only():
        inside = 0
        for range_, version in pairs:
            if version in range_:
                inside += 1
        return inside

    answered_rows = [rows[i] for i in answered]

    def end_to_end():
        parsed: dict[str, object] = {}
        inside = 0
        for scheme, vers, version, _ in answered_rows:
            range_ = parsed.get(vers)
            if range_ is None:
                range_ = parsed[vers] = VersionRange.from_string(vers)
            if range_.version_class(version) in range_:
                inside += 1
        return inside

    contains_seconds = best_of(args.rounds, contains_only)
    end_to_end_seconds = best_of(args.rounds, end_to_end)
    scheme_rates = {}
    for scheme in SCHEMES:
        subset = [(ranges[r[1]], versions[(r[0], r[2])]) for r in answered_rows if r[0] == scheme]

        def run(subset=subset):
            return sum(1 for range_, version in subset if version in range_)

        seconds = best_of(args.rounds, run)
        scheme_rates[scheme] = (len(subset), len(subset) / seconds if seconds else 0.0)

    unexplained = categories["no-answer"]["unexplained"] + categories["disagreement"]["unexplained"]
    no_answer = sum(categories["no-answer"].values())
    disagreements = sum(categories["disagreement"].values())

    out = sys.stdout
    print(f"rows={len(rows)}", file=out)
    print(f"answered={len(answered)}", file=out)
    print(f"agree={len(answered) - disagreements}", file=out)
    print(f"disagree={disagreements}", file=out)
    print(f"no_answer={no_answer}", file=out)
    print(f"unexplained={unexplained}", file=out)
    print(f"range_parse_seconds={range_parse:.6f}", file=out)
    print(f"contains_seconds={contains_seconds:.6f}", file=out)
    print(f"contains_checks_per_s={len(pairs) / contains_seconds:.0f}", file=out)
    print(f"end_to_end_seconds={end_to_end_seconds:.6f}", file=out)
    print(f"end_to_end_checks_per_s={len(answered_rows) / end_to_end_seconds:.0f}", file=out)
    for scheme, (count, rate) in scheme_rates.items():
        print(f"{scheme}.checks={count}", file=out)
        print(f"{scheme}.contains_checks_per_s={rate:.0f}", file=out)
    for kind, counter in categories.items():
        for category, count in sorted(counter.items()):
            print(f"category.{kind}.{category}={count}", file=out)

    err = sys.stderr
    print(f"univers: {len(rows)} checks, {len(answered)} answered, {disagreements} disagreements, "
          f"{no_answer} without an answer, {unexplained} unexplained", file=err)
    for (kind, category), shown in sorted(examples.items()):
        print(f"  {kind} / {category}: {categories[kind][category]}", file=err)
        for line in shown:
            print(f"      {line}", file=err)
    for scheme in SCHEMES:
        if per_scheme[scheme]:
            print(f"  {scheme}: {dict(sorted(per_scheme[scheme].items()))}", file=err)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
