#!/usr/bin/env python3
"""Differential referee for vulndesk's OSV range evaluation.

For every PyPI record in ../shared/data/osv/PyPI/all.zip, every version named in its
``versions`` lists and its range events is evaluated against the record's ECOSYSTEM
ranges twice: by Python's ``packaging`` library (PEP 440, pinned in
requirements-match.txt) with the plain reading of OSV ranges (``introduced <= v < fixed``,
or ``<= last_affected``, pair by pair in record order), and by vulndesk through the
``osv_affected`` example binary of vulndesk-match. With ``--ecosystems Go crates.io`` the
Go and RustSec records are checked the same way against ``univers`` (its Go and SemVer
version classes), querying every event version of every record of the same package.

Every disagreement is put in a category by checking what explains it, never by listing
record ids:

* ``legacy-version``: the version, or a bound of the range it falls in, is not a valid
  PEP 440 version. ``packaging`` 22+ refuses such strings (``0.9-doduo``, ``2004d``);
  vulndesk orders them as ``packaging``'s old ``LegacyVersion`` did (below every PEP 440
  version), the order osv-scalibr also uses, so the referee has no answer to compare.
* ``event-order``: the record's events are not a sorted list of disjoint intervals (an
  ``introduced`` after a later ``fixed``, overlapping pairs), so the plain pairwise reading
  and the OSV schema's algorithm (sort all events, then walk them) differ. The category
  applies only when the OSV algorithm, computed here with the referee's version order,
  agrees with vulndesk: vulndesk implements the schema, the plain reading is the naive one.

A disagreement that neither explains is unexplained, and the script exits 1. The
``versions`` lists themselves are compared as a second, informational check: a listed
version outside every range is a data quirk of the export (the lists come from the Git
history), and vulndesk reports it as affected because OSV's rule is "in a range or listed".

Usage: osv_pypi_referee.py --binary target/debug/examples/osv_affected [--ecosystems PyPI Go crates.io]
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "osv"


class Unparseable(Exception):
    """A version the referee's library cannot parse."""


def pypi_order():
    from packaging.version import InvalidVersion, Version

    def parse(text: str):
        try:
            return Version(text)
        except InvalidVersion as err:
            raise Unparseable(text) from err

    return parse


def univers_order(ecosystem: str):
    from univers.versions import GolangVersion, InvalidVersion, SemverVersion

    cls = GolangVersion if ecosystem == "Go" else SemverVersion

    def parse(text: str):
        try:
            # univers' Go class wants the `v`; OSV's Go records leave it out.
            return cls(("v" + text.lstrip("v")) if ecosystem == "Go" else text)
        except (InvalidVersion, ValueError, TypeError) as err:
            raise Unparseable(text) from err

    return parse


def events_of(rng: dict) -> list[tuple[str, str]]:
    return [next(iter(event.items())) for event in rng.get("events", []) if event]


def plain_reading(ranges: list[list[tuple[str, str]]], version, parse) -> bool:
    """introduced <= v < fixed (or <= last_affected), pair by pair in record order."""
    for events in ranges:
        start = None
        open_interval = False
        for kind, text in events:
            if kind == "introduced":
                if open_interval and (start is None or start <= version):
                    return True
                start = None if text == "0" else parse(text)
                open_interval = True
            elif kind in ("fixed", "last_affected") and open_interval:
                end = parse(text)
                above = start is None or start <= version
                below = version < end if kind == "fixed" else version <= end
                if above and below:
                    return True
                open_interval = False
        if open_interval and (start is None or start <= version):
            return True
    return False


def osv_algorithm(ranges: list[list[tuple[str, str]]], version, parse) -> bool:
    """The OSV schema's evaluation: sort the events by version, then walk them."""
    for events in ranges:
        limits = [parse(text) for kind, text in events if kind == "limit" and text != "*"]
        if limits and not any(version < limit for limit in limits):
            continue
        # `introduced: "0"` sorts before everything; the sort is stable, so events at the
        # same version keep the record's order, as in vulndesk.
        steps = [(None if (kind == "introduced" and text == "0") else parse(text), kind)
                 for kind, text in events if kind != "limit"]
        zeros = [step for step in steps if step[0] is None]
        keyed = zeros + sorted((step for step in steps if step[0] is not None), key=lambda step: step[0])
        vulnerable = False
        for bound, kind in keyed:
            if kind == "introduced" and (bound is None or version >= bound):
                vulnerable = True
            elif kind == "fixed" and version >= bound:
                vulnerable = False
            elif kind == "last_affected" and version > bound:
                vulnerable = False
        if vulnerable:
            return True
    return False


def records(ecosystem: str):
    path = DATA / ecosystem / "all.zip"
    if not path.is_file():
        sys.exit(f"the OSV archive {path} is missing: the shared data must sit beside the checkout")
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".json"):
                yield json.loads(archive.read(name))


def build_queries(ecosystem: str):
    """Returns {id: (ranges, listed)} and the (id, version) pairs to ask about."""
    range_kind = "ECOSYSTEM" if ecosystem == "PyPI" else "SEMVER"
    table = {}
    by_package = collections.defaultdict(set)
    for record in records(ecosystem):
        ranges, listed, packages = [], set(), set()
        for affected in record.get("affected", []):
            if affected.get("package", {}).get("ecosystem") != ecosystem:
                continue
            packages.add(affected["package"]["name"])
            listed.update(affected.get("versions") or [])
            ranges.extend(events_of(r) for r in affected.get("ranges", []) if r.get("type") == range_kind)
        table[record["id"]] = (ranges, listed, packages)
        for package in packages:
            by_package[package].update(t for events in ranges for _, t in events if t not in ("0", "*"))
    queries = []
    for record_id, (ranges, listed, packages) in table.items():
        versions = set(listed) | {t for events in ranges for _, t in events if t not in ("0", "*")}
        if ecosystem != "PyPI":
            for package in packages:
                versions |= by_package[package]
        queries.extend((record_id, version) for version in sorted(versions))
    return table, queries


def run_binary(binary: str, ecosystem: str, queries) -> list[dict]:
    stdin = "".join(json.dumps({"id": i, "version": v}) + "\n" for i, v in queries)
    done = subprocess.run(
        [binary, "--osv", str(DATA / ecosystem / "all.zip")],
        input=stdin, capture_output=True, text=True, check=False, timeout=1800,
    )
    if done.returncode != 0:
        sys.exit(f"{binary} failed ({done.returncode}): {done.stderr.strip()}")
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    if len(answers) != len(queries):
        sys.exit(f"{binary} answered {len(answers)} of {len(queries)} queries")
    return answers


def referee(binary: str, ecosystem: str) -> int:
    parse = pypi_order() if ecosystem == "PyPI" else univers_order(ecosystem)
    table, queries = build_queries(ecosystem)
    answers = run_binary(binary, ecosystem, queries)
    agree = 0
    categories = collections.Counter()
    examples = collections.defaultdict(list)
    listed_outside = 0
    for (record_id, version), answer in zip(queries, answers):
        if "error" in answer:
            sys.exit(f"{record_id}: {answer['error']}")
        ranges, listed, _ = table[record_id]
        if version in listed and not answer["in_ranges"]:
            listed_outside += 1
        try:
            parsed = parse(version)
            expected = plain_reading(ranges, parsed, parse)
        except Unparseable as err:
            category = "legacy-version"
            detail = f"{err} is not valid for the referee; vulndesk says {answer['in_ranges']}"
        else:
            if expected == answer["in_ranges"]:
                agree += 1
                continue
            try:
                explained = osv_algorithm(ranges, parsed, parse) == answer["in_ranges"]
            except Unparseable:
                explained = False
            category = "event-order" if explained else "unexplained"
            detail = f"plain reading {expected}, vulndesk {answer['in_ranges']}"
        categories[category] += 1
        if len(examples[category]) < 3:
            examples[category].append(f"{record_id} {version!r}: {detail}")
    total = len(queries)
    print(f"{ecosystem}: {len(table)} records, {total} (record, version) checks")
    print(f"  agree: {agree} ({100.0 * agree / max(total, 1):.3f}%)")
    for category, count in sorted(categories.items()):
        print(f"  {category}: {count}")
        for example in examples[category]:
            print(f"    e.g. {example}")
    if ecosystem == "PyPI":
        print(f"  (informational) listed in `versions` but outside every range: {listed_outside}")
    return categories["unexplained"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the osv_affected example binary")
    parser.add_argument("--ecosystems", nargs="+", default=["PyPI"], choices=["PyPI", "Go", "crates.io"])
    args = parser.parse_args()
    unexplained = sum(referee(args.binary, ecosystem) for ecosystem in args.ecosystems)
    if unexplained:
        print(f"FAIL: {unexplained} unexplained disagreements")
        return 1
    print("OK: every disagreement is explained")
    return 0


if __name__ == "__main__":
    sys.exit(main())
