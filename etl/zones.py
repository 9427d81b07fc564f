"""Development zones and new areas (综合实验区, 新区, 开发区, 高新区 …): places that publish reports
but have no GB/T 2260 code of their own. A zone's report belongs to the division containing it,
with the zone kept by name; see data/jurisdictions/README.md for the table and its provenance.

Pure functions over data/jurisdictions/zones.csv and a JurisdictionResolver.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.jurisdictions import JurisdictionResolver, within

ZONES_PATH = Path(__file__).resolve().parents[1] / "data" / "jurisdictions" / "zones.csv"

# What a zone's name ends with, longest first so that 经济技术开发区 is not read as 开发区.
_KINDS = (
    "高新技术产业开发区", "高新技术产业园区", "经济技术开发区", "自由贸易试验区", "综合实验区", "综合试验区",
    "经济开发区", "工业园区", "产业园区", "高新区", "开发区", "新片区", "示范区", "合作区", "保税区", "新区",
)
# A zone's own name before its kind: no body's suffix inside ("自然资源和规划局高新区分局" is a
# bureau's branch, not a zone named "自然资源和规划局高新区").
_ZONE = re.compile(
    r"^(?P<zone>(?:(?![局厅委办府部署院所站队])[\u4e00-\u9fff]){0,10}?(?:%s))(?P<rest>.*)$" % "|".join(_KINDS)
)
# The body that runs a zone: the zone's own report, like 人民政府 for a place.
_ZONE_ADMINISTRATION = ("管理委员会", "管委会", "管委", "人民政府", "政府", "")


@dataclass(frozen=True)
class ZoneMatch:
    zone: str  # the zone's name, canonical where the table has it ("苏州工业园区"), else as printed
    code: str  # the division containing it
    rest: str  # what follows the zone's name in the issuer ("管委会", "经济发展局", "")


@lru_cache(maxsize=1)
def zone_table(path: Path = ZONES_PATH) -> dict[str, str]:
    """zone name → the code of the division containing it."""
    with open(path, encoding="utf-8", newline="") as f:
        return {row["zone"]: row["code"] for row in csv.DictReader(f)}


def _table_prefix(text: str) -> tuple[str, str] | None:
    """The longest table zone name text starts with: (name, code)."""
    table = zone_table()
    for name in sorted((n for n in table if text.startswith(n)), key=len, reverse=True):
        return name, table[name]
    return None


def coded_zone(code: str, rest: str, resolver: JurisdictionResolver) -> ZoneMatch | None:
    """A zone the division list itself carries with a code (the package behind gb2260.csv gives
    苏州工业园区 320576, 雄安新区 133100, 两江新区 500157: statistical codes, not GB/T 2260 ones):
    the table's containing division instead."""
    name = resolver.name(code)
    if name in zone_table():
        return ZoneMatch(name, zone_table()[name], rest)
    return None


def zone_at_start(text: str, resolver: JurisdictionResolver) -> ZoneMatch | None:
    """A zone named at the start of an issuer that names no coded place first: from the table, or
    by the city its name starts with ("苏州高新区管委会" → 苏州市, zone 苏州高新区)."""
    known = _table_prefix(text)
    if known is not None:
        return ZoneMatch(known[0], known[1], text[len(known[0]):])
    for stem_length in (4, 3, 2):
        stem = text[:stem_length]
        for suffix in ("市", "地区", "县"):
            codes = resolver.candidates(stem + suffix)
            if len(codes) != 1:
                continue
            match = _ZONE.match(text[stem_length:])
            if match:
                return ZoneMatch(stem + match["zone"], codes[0], match["rest"])
    return None


def zone_after_place(rest: str, code: str, place_name: str, resolver: JurisdictionResolver) -> ZoneMatch | None:
    """A zone named right after a coded place ("苏州市" + "吴中经济技术开发区管委会"): contained in
    the county its name starts with, if any, else in the place itself."""
    match = _ZONE.match(rest)
    if match is None:
        return None
    zone = match["zone"]
    # "苏州市" + "工业园区" is the table's 苏州工业园区.
    for candidate in (zone, _stem(place_name) + zone):
        if candidate in zone_table():
            return ZoneMatch(candidate, zone_table()[candidate], match["rest"])
    for stem_length in (4, 3, 2):
        for suffix in ("区", "县", "市"):
            inner = [c for c in resolver.candidates(zone[:stem_length] + suffix) if within(c, code)]
            if len(inner) == 1 and len(zone) > stem_length:
                return ZoneMatch(zone, inner[0], match["rest"])
    # Named as its city names it, so that "苏州市高新区" and "苏州高新区" are one zone.
    stem = _stem(place_name)
    return ZoneMatch(zone if zone.startswith(stem) else stem + zone, code, match["rest"])


def zone_agency(zone: str, rest: str, normalise) -> str:
    """The agency of a zone's report: the zone itself for its administration's own report
    ("苏州高新区管委会" → 苏州高新区), the zone and the body otherwise ("苏州高新区经济发展局")."""
    if rest in _ZONE_ADMINISTRATION:
        return zone
    return zone + normalise(rest)


def _stem(place_name: str) -> str:
    return place_name[:-1] if len(place_name) > 2 and place_name[-1] in "市县区省" else place_name
