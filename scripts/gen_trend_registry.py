#!/usr/bin/env python3
"""gen_trend_registry.py [N] - a registry for timing Trend, as JSON Lines for regctl apply -f.

N prioritised areas (default 1500), each with one lead appointment and one goal, spread over
a hundred years so that every quarter of a 1926-2025 trend has work to do.
"""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
agencies = 50
out = sys.stdout


def org_number(k):
    """A 10-digit organisation number (NNNNNN-NNNN) with its Luhn check digit."""
    digits = f"{202100000 + k:09d}"
    total = 0
    for i, c in enumerate(digits):
        v = int(c) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    d = digits + str((10 - total % 10) % 10)
    return d[:6] + "-" + d[6:]


def line(rec):
    out.write(json.dumps(rec, separators=(",", ":")) + "\n")


for a in range(agencies):
    line({"kind": "agency", "id": f"ag{a}", "name": f"Agency {a}",
          "org_number": org_number(a)})
for i in range(n):
    year = 1926 + i * 99 // n
    since = f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    area, agency = f"area{i}", f"ag{i % agencies}"
    line({"kind": "area", "id": area, "name": f"Area {i}", "priority": "prioritised",
          "priority_since": since, "rank": i + 1})
    line({"kind": "assignment", "area_id": area, "agency_id": agency, "role": "lead",
          "decision_ref": f"GEN-{i}", "valid_from": since})
    line({"kind": "goal", "id": f"{area}/1", "area_id": area, "owner_agency_id": agency,
          "text": f"Goal of area {i}", "goal_kind": "deliverable",
          "due": f"{min(year + 5, 2030)}-12-31", "decision_ref": f"GEN-G{i}", "set_on": since})
