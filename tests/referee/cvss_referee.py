#!/usr/bin/env python3
"""Referee for vulndesk's CVSS scores: Red Hat's `cvss` library (PyPI, pinned
in requirements.txt) against vulndesk's `score_line`.

It generates a seeded random set of vectors covering every metric group
(v3.1 and v3.0 with temporal and environmental metrics, in shuffled order as
3.x allows; v4.0 with threat, environmental and supplemental metrics, in the
order 4.0 requires), scores them with Red Hat's library, pipes them through
vulndesk's example binary `cvss_score_lines`, and compares:

* 3.x: base, temporal and environmental scores and the base severity;
* 4.0: the score of the whole vector (CVSS-BTE with whatever metrics are
  present) and its severity, and the CVSS-B score of the base metrics alone.

It also makes invalid vectors (duplicate, unknown metric, unknown value,
missing mandatory metric, wrong prefix, 4.0 metrics out of order) and checks
that both libraries reject each of them and that vulndesk's message names
the metric at fault. Red Hat's library does not check the order of 4.0
metrics, which the specification requires; those are counted apart.

Usage:
    python tests/referee/cvss_referee.py [--binary PATH] [--seed N]
        [--v31 N] [--v30 N] [--v40 N] [--invalid N]

Without --binary it runs
`cargo run -q -p vulndesk-formats --example cvss_score_lines` from the
repository root. It prints the counts and the first disagreements, and
exits 1 on any disagreement.
"""

import argparse
import json
import pathlib
import random
import subprocess
import sys

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

REPO = pathlib.Path(__file__).resolve().parents[2]

V3_BASE = [
    ("AV", "NALP"),
    ("AC", "LH"),
    ("PR", "NLH"),
    ("UI", "NR"),
    ("S", "UC"),
    ("C", "HLN"),
    ("I", "HLN"),
    ("A", "HLN"),
]
V3_TEMPORAL = [("E", "XHFPU"), ("RL", "XUWTO"), ("RC", "XCRU")]
V3_ENVIRONMENTAL = [
    ("CR", "XHML"),
    ("IR", "XHML"),
    ("AR", "XHML"),
    ("MAV", "XNALP"),
    ("MAC", "XLH"),
    ("MPR", "XNLH"),
    ("MUI", "XNR"),
    ("MS", "XUC"),
    ("MC", "XHLN"),
    ("MI", "XHLN"),
    ("MA", "XHLN"),
]

V4_BASE = [
    ("AV", "NALP"),
    ("AC", "LH"),
    ("AT", "NP"),
    ("PR", "NLH"),
    ("UI", "NPA"),
    ("VC", "HLN"),
    ("VI", "HLN"),
    ("VA", "HLN"),
    ("SC", "HLN"),
    ("SI", "HLN"),
    ("SA", "HLN"),
]
V4_THREAT = [("E", "XAPU")]
V4_ENVIRONMENTAL = [
    ("CR", "XHML"),
    ("IR", "XHML"),
    ("AR", "XHML"),
    ("MAV", "XNALP"),
    ("MAC", "XLH"),
    ("MAT", "XNP"),
    ("MPR", "XNLH"),
    ("MUI", "XNPA"),
    ("MVC", "XHLN"),
    ("MVI", "XHLN"),
    ("MVA", "XHLN"),
    ("MSC", "XHLN"),
    ("MSI", "XSHLN"),
    ("MSA", "XSHLN"),
]
V4_SUPPLEMENTAL = [
    ("S", "XNP"),
    ("AU", "XNY"),
    ("R", "XAUI"),
    ("V", "XDC"),
    ("RE", "XLMH"),
    ("U", ["X", "Clear", "Green", "Amber", "Red"]),
]


def pick_group(rng, group, density):
    """Each metric of an optional group, present with probability `density`."""
    return [(m, rng.choice(list(vals))) for m, vals in group if rng.random() < density]


def random_v3(rng, minor):
    comps = [(m, rng.choice(list(vals))) for m, vals in V3_BASE]
    # A third of the vectors get every optional metric, the rest a random subset,
    # so that each group is exercised both alone and combined.
    density = 1.0 if rng.random() < 1 / 3 else rng.random()
    comps += pick_group(rng, V3_TEMPORAL, density)
    comps += pick_group(rng, V3_ENVIRONMENTAL, density)
    if rng.random() < 0.3:  # 3.x allows any order
        rng.shuffle(comps)
    return "CVSS:3.%d/" % minor + "/".join("%s:%s" % c for c in comps)


def random_v4(rng):
    comps = [(m, rng.choice(list(vals))) for m, vals in V4_BASE]
    density = 1.0 if rng.random() < 1 / 3 else rng.random()
    comps += pick_group(rng, V4_THREAT, density)
    comps += pick_group(rng, V4_ENVIRONMENTAL, density)
    comps += pick_group(rng, V4_SUPPLEMENTAL, density)
    return "CVSS:4.0/" + "/".join("%s:%s" % c for c in comps)


def v4_base_only(vector):
    names = {m for m, _ in V4_BASE}
    comps = vector.split("/")[1:]
    return "CVSS:4.0/" + "/".join(c for c in comps if c.split(":")[0] in names)


def invalid_vector(rng):
    """An invalid vector and the metric vulndesk's message must name (or None)."""
    version = rng.choice(["3.0", "3.1", "4.0"])
    valid = random_v4(rng) if version == "4.0" else random_v3(rng, int(version[-1]))
    prefix, *comps = valid.split("/")
    kind = rng.choice(
        ["duplicate", "unknown_metric", "bad_value", "missing", "prefix"]
        + (["order"] if version == "4.0" else [])
    )
    if kind == "duplicate":
        i = rng.randrange(len(comps))
        twin = comps[i]
        # 3.x: anywhere; 4.0: right after it, so that the duplicate, and not
        # the order, is the first fault
        where = i + 1 if version == "4.0" else rng.randrange(len(comps) + 1)
        comps.insert(where, twin)
        return "/".join([prefix] + comps), twin.split(":")[0]
    if kind == "unknown_metric":
        i = rng.randrange(len(comps))
        comps.insert(i, "ZZ:N")
        return "/".join([prefix] + comps), "ZZ"
    if kind == "bad_value":
        i = rng.randrange(len(comps))
        metric = comps[i].split(":")[0]
        comps[i] = metric + ":Q"
        return "/".join([prefix] + comps), metric
    if kind == "missing":
        base = V4_BASE if version == "4.0" else V3_BASE
        metric = rng.choice(base)[0]
        comps = [c for c in comps if c.split(":")[0] != metric]
        return "/".join([prefix] + comps), metric
    if kind == "prefix":
        bad = rng.choice(["CVSS:3.2", "CVSS:2.0", "CVSS:4", "cvss:" + version, "CVSS" + version])
        return "/".join([bad] + comps), None
    # order (4.0): swap two adjacent metrics; the one now second is misplaced
    i = rng.randrange(len(comps) - 1)
    comps[i], comps[i + 1] = comps[i + 1], comps[i]
    return "/".join([prefix] + comps), comps[i + 1].split(":")[0]


def redhat_scores(vector):
    """Red Hat's scores as a dict, or None if it rejects the vector."""
    try:
        if vector.startswith("CVSS:4.0/"):
            full = CVSS4(vector)
            base = CVSS4(v4_base_only(vector))
            return {
                "score": float(full.base_score),
                "severity": full.severity,
                "base_score": float(base.base_score),
            }
        c = CVSS3(vector)
        base, temporal, environmental = c.scores()
        return {
            "base_score": float(base),
            "temporal_score": float(temporal),
            "environmental_score": float(environmental),
            "base_severity": c.severities()[0],
        }
    except CVSSError:
        return None


def run_vulndesk(binary, vectors):
    cmd = (
        [binary]
        if binary
        else ["cargo", "run", "-q", "-p", "vulndesk-formats", "--example", "cvss_score_lines"]
    )
    proc = subprocess.run(
        cmd,
        input="\n".join(vectors) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    if len(out) != len(vectors):
        sys.exit("vulndesk wrote %d lines for %d vectors" % (len(out), len(vectors)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", help="path to a built cvss_score_lines example")
    ap.add_argument("--seed", type=int, default=20240401)
    ap.add_argument("--v31", type=int, default=20000)
    ap.add_argument("--v30", type=int, default=5000)
    ap.add_argument("--v40", type=int, default=20000)
    ap.add_argument("--invalid", type=int, default=3000)
    ap.add_argument("--show", type=int, default=10, help="disagreements to print")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    cases = []  # (set name, vector, metric to name or None)
    cases += [("v3.1", random_v3(rng, 1), None) for _ in range(args.v31)]
    cases += [("v3.0", random_v3(rng, 0), None) for _ in range(args.v30)]
    cases += [("v4.0", random_v4(rng), None) for _ in range(args.v40)]
    cases += [("invalid", *invalid_vector(rng)) for _ in range(args.invalid)]

    ours = run_vulndesk(args.binary, [v for _, v, _ in cases])

    stats = {}
    disagreements = []
    lenient = [0]
    for (name, vector, metric), got in zip(cases, ours):
        ref = redhat_scores(vector)
        problem = None
        if name == "invalid":
            order_only = "out of order" in got.get("error", "")
            if ref is not None and order_only:
                # Red Hat's `cvss` 3.6 does not check the 4.0 order that the
                # specification (section 7) requires; vulndesk does. Counted,
                # not a disagreement on any score.
                lenient[0] += 1
            if "error" not in got:
                problem = "vulndesk accepts it: %r" % got
            elif ref is not None and not order_only:
                problem = "Red Hat accepts it: %r" % ref
            elif metric is not None and metric not in got["error"]:
                problem = "message does not name %s: %s" % (metric, got["error"])
        elif ref is None:
            problem = "Red Hat rejects a generated vector"
        elif "error" in got:
            problem = "vulndesk rejects it: %s" % got["error"]
        else:
            diff = {k: (v, got.get(k)) for k, v in ref.items() if got.get(k) != v}
            if diff:
                problem = "differs (Red Hat, vulndesk): %r" % diff
        entry = stats.setdefault(name, [0, 0])
        entry[0] += 1
        if problem is None:
            entry[1] += 1
        else:
            disagreements.append((vector, problem))

    total = sum(n for n, _ in stats.values())
    agreed = sum(a for _, a in stats.values())
    for name, (n, a) in stats.items():
        print("%-8s %6d compared, %6d agreed, %d disagreements" % (name, n, a, n - a))
    print("total    %6d compared, %6d agreed, %d disagreements" % (total, agreed, total - agreed))
    if lenient[0]:
        print(
            "(%d invalid vectors have 4.0 metrics out of order: rejected by vulndesk, "
            "accepted by Red Hat's cvss, which does not check the order)" % lenient[0]
        )
    for vector, problem in disagreements[: args.show]:
        print("DISAGREE %s\n         %s" % (vector, problem))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
