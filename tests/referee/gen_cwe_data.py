#!/usr/bin/env python3
"""Generates crates/vulndesk-formats/data/cwe-4.14.tsv, vulndesk's copy of the
CWE catalogue, from the CWE 4.14 XML that the PyPI package `cwe2` ships.

This script is for regeneration only: the TSV file is committed, and no test
runs this script. It was produced once with

    python3.11 -m venv /tmp/venv-cwe
    /tmp/venv-cwe/bin/pip install cwe2==3.0.0
    /tmp/venv-cwe/bin/python tests/referee/gen_cwe_data.py

`cwe2` 3.0.0 (nexB, MIT for the code) bundles MITRE's `cwec_v4.14.xml`
(CWE version 4.14, 2024-02-29) under MITRE's CWE Terms of Use, which permit
copies for research, development and commercial purposes provided MITRE's
copyright designation and the licence are reproduced. The TSV's header carries
both, so keep them when regenerating.

Each line of the TSV is one CWE entry (weakness, category or view):

    id <TAB> kind <TAB> abstraction <TAB> status <TAB> parents <TAB> categories <TAB> name

* kind: `weakness`, `category` or `view`;
* abstraction: Pillar, Class, Base, Variant or Compound for weaknesses, `-`
  otherwise;
* status: Stable, Draft, Incomplete, Deprecated, Obsolete or Usable;
* parents: the weakness's `ChildOf` ids in the Research Concepts view
  (CWE-1000), the primary parent first, comma-separated, `-` if none;
* categories: the categories of the Software Development view (CWE-699) that
  list the weakness as a member, comma-separated, `-` if none;
* name: the entry's name, last so that it may hold any character but a tab or
  a line break (the script refuses those).

Usage:
    python tests/referee/gen_cwe_data.py [--out PATH]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = {"c": "http://cwe.mitre.org/cwe-7"}
RESEARCH_VIEW = "1000"
DEVELOPMENT_VIEW = "699"
EXPECTED_CWE2 = "3.0.0"
EXPECTED_CATALOGUE = "4.14"

HEADER = """\
# vulndesk's copy of the CWE catalogue: every weakness, category and view of CWE {version} ({date}).
# Source: MITRE's cwec_v{version}.xml as shipped in the PyPI package cwe2=={cwe2} (cwe2/database_v49/),
# converted by tests/referee/gen_cwe_data.py. Do not edit by hand; regenerate instead.
# Columns: id, kind, abstraction, status, parents (ChildOf in view 1000, primary first),
# categories (members of in view 699), name. "-" means none.
#
# Copyright (c) 2006-2024, The MITRE Corporation. CWE, CWSS, CWRAF, and the CWE logo are
# trademarks of The MITRE Corporation.
#
# CWE Usage: MITRE hereby grants you a non-exclusive, royalty-free license to use CWE for
# research, development, and commercial purposes. Any copy you make for such purposes is
# authorized on the condition that you reproduce MITRE's copyright designation and this license
# in any such copy.
#
# DISCLAIMERS: ALL DOCUMENTS AND THE INFORMATION CONTAINED IN THE CWE ARE PROVIDED ON AN "AS IS"
# BASIS AND THE CONTRIBUTOR, THE ORGANIZATION HE/SHE REPRESENTS OR IS SPONSORED BY (IF ANY), THE
# MITRE CORPORATION, ITS BOARD OF TRUSTEES, OFFICERS, AGENTS, AND EMPLOYEES, DISCLAIM ALL
# WARRANTIES, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO ANY WARRANTY THAT THE USE OF THE
# INFORMATION THEREIN WILL NOT INFRINGE ANY RIGHTS OR ANY IMPLIED WARRANTIES OF MERCHANTABILITY OR
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE CONTRIBUTOR, THE
# ORGANIZATION HE/SHE REPRESENTS OR IS SPONSORED BY (IF ANY), THE MITRE CORPORATION, ITS BOARD OF
# TRUSTEES, OFFICERS, AGENTS, AND EMPLOYEES BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
# WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH
# THE INFORMATION OR THE USE OR OTHER DEALINGS IN THE CWE.
#
# Counts: {weaknesses} weaknesses, {categories} categories, {views} views.
"""


def clean(text: str, what: str) -> str:
    """Returns a name with its surrounding spaces removed, refusing tabs and
    line breaks, which the TSV cannot hold."""
    if any(ch in text for ch in "\t\r\n"):
        sys.exit(f"{what}: the name holds a tab or a line break: {text!r}")
    return text.strip()


def ids(values: list[str]) -> str:
    """Joins ids with commas, or returns "-" for none."""
    return ",".join(values) if values else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root_dir = pathlib.Path(__file__).resolve().parents[2]
    parser.add_argument("--out", type=pathlib.Path, default=root_dir / "crates/vulndesk-formats/data/cwe-4.14.tsv")
    args = parser.parse_args()

    version = importlib.metadata.version("cwe2")
    if version != EXPECTED_CWE2:
        sys.exit(f"expected cwe2=={EXPECTED_CWE2}, found {version}")
    xml_path = importlib.resources.files("cwe2") / "database_v49" / f"cwec_v{EXPECTED_CATALOGUE}.xml"
    root = ET.fromstring(xml_path.read_bytes())
    if root.get("Version") != EXPECTED_CATALOGUE:
        sys.exit(f"expected CWE {EXPECTED_CATALOGUE}, found {root.get('Version')}")

    # Category membership in the Software Development view, inverted so that
    # each weakness lists its categories.
    member_of: dict[str, list[str]] = {}
    for category in root.iterfind("c:Categories/c:Category", NS):
        for member in category.iterfind("c:Relationships/c:Has_Member", NS):
            if member.get("View_ID") == DEVELOPMENT_VIEW:
                member_of.setdefault(member.get("CWE_ID"), []).append(category.get("ID"))

    rows: list[tuple[int, str]] = []
    counts = {"weakness": 0, "category": 0, "view": 0}
    for weakness in root.iterfind("c:Weaknesses/c:Weakness", NS):
        wid = weakness.get("ID")
        related = [
            r
            for r in weakness.iterfind("c:Related_Weaknesses/c:Related_Weakness", NS)
            if r.get("Nature") == "ChildOf" and r.get("View_ID") == RESEARCH_VIEW
        ]
        # The primary parent first, then the others in the file's order.
        related.sort(key=lambda r: r.get("Ordinal") != "Primary")
        parents = list(dict.fromkeys(r.get("CWE_ID") for r in related))
        categories = sorted(set(member_of.get(wid, [])), key=int)
        fields = [wid, "weakness", weakness.get("Abstraction"), weakness.get("Status"), ids(parents), ids(categories)]
        rows.append((int(wid), "\t".join(fields + [clean(weakness.get("Name"), f"CWE-{wid}")])))
        counts["weakness"] += 1
    for kind, path in (("category", "c:Categories/c:Category"), ("view", "c:Views/c:View")):
        for entry in root.iterfind(path, NS):
            eid = entry.get("ID")
            fields = [eid, kind, "-", entry.get("Status"), "-", "-"]
            rows.append((int(eid), "\t".join(fields + [clean(entry.get("Name"), f"CWE-{eid}")])))
            counts[kind] += 1

    rows.sort()
    if len({row[0] for row in rows}) != len(rows):
        sys.exit("duplicate ids in the catalogue")
    header = HEADER.format(
        version=EXPECTED_CATALOGUE,
        date=root.get("Date"),
        cwe2=EXPECTED_CWE2,
        weaknesses=counts["weakness"],
        categories=counts["category"],
        views=counts["view"],
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + "".join(line + "\n" for _, line in rows), encoding="utf-8")
    print(f"wrote {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
