"""Regenerate data/jurisdictions/history/gb2260_history.csv from yescallop/areacodes' result.csv.

    .venv/bin/python scripts/build_jurisdiction_history.py [PATH/TO/result.csv]

(default: ../shared/data/areacodes/result.csv). One output row per period of a code under one
name, with the successor chosen for a retired code and the code it is part of today. The rule
for choosing (see data/jurisdictions/history/README.md) is applied here, once, so the pipeline
only reads the result.
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl.jurisdictions import _AUTONOMOUS, _ETHNIC_TAIL  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "areacodes" / "result.csv"
SNAPSHOT = ROOT / "data" / "jurisdictions" / "gb2260.csv"
OUT = ROOT / "data" / "jurisdictions" / "history" / "gb2260_history.csv"
FIELDS = ["code", "name", "level", "valid_from", "valid_to", "successors", "successor_code", "code_now"]
LEVELS = {"省级": "province", "地级": "prefecture", "县级": "county"}
_SUFFIX = re.compile(r"(自治州|自治县|自治旗|特别行政区|自治区|地区|林区|特区|新区|矿区|行政区|区|县|市|旗|州|盟|省)$")
_TRANSFER = re.compile(r"^(\d{6})(?:\[(\d{4})\])?$")


def stem(name: str) -> str:
    """The place-name part: 栾城县/栾城区 → 栾城, 昌都地区/昌都市 → 昌都, 楚雄彝族自治州 → 楚雄."""
    m = _AUTONOMOUS.match(name)
    if m:
        return _ETHNIC_TAIL.sub("", m.group(1)) or m.group(1)
    short = _SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


def read_periods(source: Path) -> list[dict]:
    periods = []
    with source.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            code = row["代码"].strip()
            if not (len(code) == 6 and code.isdigit()):
                sys.exit(f"unexpected code {code!r}")
            status = row["状态"]
            end = row["变更/弃用时间"].strip()
            if (status == "在用") != (end == ""):
                sys.exit(f"{code}: status {status} with end year {end!r}")
            for token in filter(None, row["新代码"].split(";")):
                if not _TRANSFER.match(token):
                    sys.exit(f"{code}: unexpected successor {token!r}")
            periods.append({
                "code": code, "name": row["名称"].strip(), "level": LEVELS[row["级别"]],
                "valid_from": int(row["启用时间"]), "valid_to": int(end) if end else None,
                "successors": row["新代码"].strip(),
            })
    return periods


def choose_successor(period: dict, by_code: dict[str, list[dict]]) -> str | None:
    """One successor for a period that ended, deterministically:

    1. the codes the source lists for the end of the period (not earlier partial transfers,
       written CODE[YEAR]); with none listed, the codes started that year in the same province
       under the same place name (昌都地区 → 昌都市);
    2. of those, the one that took the place's name (栾城县 → 栾城区), else the one at the same
       level, else the lowest code (a split's codes are otherwise equal).
    """
    end = period["valid_to"]
    listed = []
    for token in filter(None, period["successors"].split(";")):
        code, year = _TRANSFER.match(token).groups()
        if year is None or int(year) == end:
            listed.append(code)
    if period["code"] in listed and len(listed) == 1:
        return period["code"]  # renamed in place
    listed = [c for c in listed if c != period["code"]] or listed
    if not listed:
        listed = [
            code for code, ps in by_code.items()
            if code[:2] == period["code"][:2] and code != period["code"]
            and any(p["valid_from"] == end and stem(p["name"]) == stem(period["name"]) for p in ps)
        ]
    if not listed:
        return None

    def at_end(code: str) -> dict | None:
        ps = by_code.get(code, [])
        live = [p for p in ps if p["valid_from"] <= end and (p["valid_to"] is None or p["valid_to"] > end)]
        return (live or ps or [None])[0]

    def rank(code: str):
        p = at_end(code)
        same_name = p is not None and stem(p["name"]) == stem(period["name"])
        same_level = p is not None and p["level"] == period["level"]
        return (not same_name, not same_level, code)

    return min(listed, key=rank)


def _period_at(code: str, year: int, by_code: dict[str, list[dict]]) -> dict | None:
    """The period of `code` in force at the start of `year` (else the next one to begin)."""
    ps = sorted(by_code.get(code, []), key=lambda p: p["valid_from"])
    for p in ps:
        if p["valid_from"] <= year and (p["valid_to"] is None or p["valid_to"] > year):
            return p
    later = [p for p in ps if p["valid_from"] >= year]
    return later[0] if later else (ps[-1] if ps else None)


def code_now(period: dict, by_code: dict[str, list[dict]], depth: int = 0) -> str | None:
    """Follow successors from a period to a code in use today (None when the chain stops)."""
    if period["valid_to"] is None:
        return period["code"]
    nxt = period["successor_code"]
    if nxt is None or depth > 50:
        return None
    following = _period_at(nxt, period["valid_to"], by_code)
    if following is None or following is period:
        return None
    return code_now(following, by_code, depth + 1)


def containing(code: str, by_code: dict[str, list[dict]]) -> str | None:
    for parent in (code[:4] + "00", code[:2] + "0000"):
        if parent != code and parent in by_code:
            return parent
    return None


def build(source: Path) -> list[dict]:
    periods = read_periods(source)
    by_code: dict[str, list[dict]] = {}
    for p in periods:
        by_code.setdefault(p["code"], []).append(p)
    for p in periods:
        p["successor_code"] = choose_successor(p, by_code) if p["valid_to"] is not None else None
    for p in periods:
        if p["valid_to"] is None:
            p["code_now"] = p["code"]
            continue
        now = code_now(p, by_code)
        # No successor recorded anywhere down the chain (a prefecture abolished and shared out):
        # the containing division today.
        parent = containing(p["code"], by_code)
        while now is None and parent is not None:
            following = _period_at(parent, p["valid_to"], by_code)
            now = code_now(following, by_code) if following else None
            parent = containing(parent, by_code)
        p["code_now"] = now
    return sorted(periods, key=lambda p: (p["code"], p["valid_from"]))


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    rows = build(source)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r[k] is None else r[k]) for k in FIELDS})
    retired = sum(1 for r in rows if r["valid_to"] is not None)
    no_now = [r["code"] for r in rows if r["code_now"] is None]
    print(f"wrote {OUT} ({len(rows)} periods, {retired} ended; {len(no_now)} without a current code)")


if __name__ == "__main__":
    main()
