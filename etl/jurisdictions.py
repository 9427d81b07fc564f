"""Jurisdiction dimension: GB/T 2260 division codes and a name resolver.

Pure functions over data/jurisdictions/gb2260.csv (today's codes) and
data/jurisdictions/history/gb2260_history.csv (every code since 1980 with the
years it was in use and its successor; see the READMEs there); no database
access. A report for year Y is resolved against the divisions of Y
(`JurisdictionResolver.for_year`), so a county since merged or renamed keeps
the code it had then.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from etl.textscan import Pairs

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "jurisdictions" / "gb2260.csv"
HISTORY_PATH = DEFAULT_PATH.parent / "history" / "gb2260_history.csv"

# Rows like 110100 市辖区 / 500200 县 are coding artefacts under the
# municipalities; they never name a place in a report.
PLACEHOLDER_NAMES = {"市辖区", "县"}

# Short names of the province-level divisions that are not just the name
# without 省/市.
PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}

# Customary abbreviations in Xinjiang that no rule produces.
EXTRA_SHORT = {"博州": "652700", "巴州": "652800", "克州": "653000"}

# Minority names as they appear inside autonomous-division names. One-character
# ones only count when followed by 族 (白, 水, 土 ... are common characters);
# longer ones are sometimes written without 族 (伊犁哈萨克自治州).
_ETHNIC_1 = "回藏苗彝壮满侗瑶白黎佤畲水土京怒"
_ETHNIC_N = [
    "蒙古", "维吾尔", "布依", "朝鲜", "土家", "哈尼", "哈萨克", "傣", "傈僳", "高山",
    "拉祜", "东乡", "纳西", "景颇", "柯尔克孜", "达斡尔", "仫佬", "羌", "布朗", "撒拉",
    "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "乌孜别克", "俄罗斯", "鄂温克",
    "德昂", "保安", "裕固", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
]
_ETHNIC_TAIL = re.compile(
    "(?:[%s各]族|(?:%s)族?)+$"
    % (_ETHNIC_1, "|".join(sorted(_ETHNIC_N, key=len, reverse=True)))
)
_AUTONOMOUS = re.compile(r"^(.+?)自治(州|县|旗)$")

KIND_ORDER = {"official": 0, "short": 1, "qualified": 2}


def load_jurisdictions(path: Path | None = None) -> pd.DataFrame:
    df = pd.read_csv(path or DEFAULT_PATH, dtype=str, keep_default_na=False)
    # Provinces have no parent: None loads as SQL NULL rather than ''.
    # (object dtype, since pandas' string dtype would turn None into NaN.)
    df["parent_code"] = pd.Series([p or None for p in df["parent_code"]], index=df.index, dtype=object)
    return df


def load_history(path: Path | None = None) -> pd.DataFrame:
    """One row per period of a code under one name: code, name, level, valid_from, valid_to
    (the year it ended, NA while in use), successors (as the source lists them),
    successor_code (the one chosen), code_now (the code in use today it is part of)."""
    df = pd.read_csv(path or HISTORY_PATH, dtype=str, keep_default_na=False)
    for column in ("valid_from", "valid_to"):
        df[column] = pd.array([int(v) if v else None for v in df[column]], dtype="Int64")
    for column in ("successor_code", "code_now"):
        df[column] = pd.Series([v or None for v in df[column]], index=df.index, dtype=object)
    return df


def _parent(code: str, codes) -> str | None:
    """The nearest division above `code` among `codes`, by code prefix."""
    if code.endswith("0000"):
        return None
    for parent in (code[:4] + "00", code[:2] + "0000"):
        if parent != code and parent in codes:
            return parent
    return None


def divisions_of_year(current: pd.DataFrame, history: pd.DataFrame, year: int) -> pd.DataFrame:
    """The divisions as they stood at the end of `year`, in the columns of `current`.

    A code renamed during the year has its end-of-year name. A code abolished during the year
    (its last year is `year`) is kept under its last name, unless that name is also the name of
    another division of the same province then: reports for a year are written after it ends.
    Codes the history does not know (the municipalities' 市辖区 rows, 雄安新区) stay as they are.
    """
    periods = history[(history["valid_from"] <= year) & (history["valid_to"].isna() | (history["valid_to"] >= year))]
    at_end: dict[str, tuple[str, str]] = {}
    ended: dict[str, tuple[str, str]] = {}
    for code, name, level, valid_to in zip(periods["code"], periods["name"], periods["level"], periods["valid_to"]):
        target = ended if (valid_to is not pd.NA and valid_to == year) else at_end
        target[code] = (name, level)
    known = set(history["code"])
    rows: dict[str, tuple[str, str]] = {}
    for code, name, level in zip(current["code"], current["name"], current["level"]):
        if code not in known:
            rows[code] = (name, level)
    rows.update(at_end)
    names_by_province: dict[tuple[str, str], str] = {(c[:2], n): c for c, (n, _) in rows.items()}
    for code, (name, level) in ended.items():
        if code not in rows and (code[:2], name) not in names_by_province:
            rows[code] = (name, level)
    codes = set(rows)
    out = pd.DataFrame(
        [(c, n, lv, _parent(c, codes)) for c, (n, lv) in sorted(rows.items())],
        columns=["code", "name", "level", "parent_code"],
    )
    out["parent_code"] = pd.Series(list(out["parent_code"]), index=out.index, dtype=object)
    return out


def _records(df: pd.DataFrame) -> dict[str, dict]:
    """code -> {code, name, level, parent_code}, with a missing parent as None."""
    out = {}
    for code, name, level, parent in zip(df["code"], df["name"], df["level"], df["parent_code"]):
        parent = parent if isinstance(parent, str) and parent else None
        out[str(code)] = {"code": str(code), "name": name, "level": level, "parent_code": parent}
    return out


def _short_forms(name: str, level: str) -> list[str]:
    if level == "province":
        if name in PROVINCE_SHORT:
            return [PROVINCE_SHORT[name]]
        return [name[:-1]] if name[-1] in "省市" else []
    m = _AUTONOMOUS.match(name)
    if not m:
        return []
    stem = _ETHNIC_TAIL.sub("", m.group(1))
    # 鄂温克族自治旗 has nothing left once the people's name is gone.
    return [stem + m.group(2)] if stem and stem != m.group(1) else []


def name_variants(df: pd.DataFrame) -> pd.DataFrame:
    """Every spelling a report may use for a division: alias, code, kind."""
    rows = _records(df)
    real = {c: r for c, r in rows.items() if r["name"] not in PLACEHOLDER_NAMES}

    def ancestors(code: str) -> list[str]:
        # Nearest first, skipping placeholders so 北京市朝阳区 is not
        # written 北京市市辖区朝阳区.
        out, parent = [], rows[code]["parent_code"]
        while parent:
            if parent in real:
                out.append(real[parent]["name"])
            parent = rows[parent]["parent_code"]
        return out

    records: list[tuple[str, str, str]] = []
    for code, r in real.items():
        records.append((r["name"], code, "official"))
        names = ancestors(code)
        # Every ordered sub-chain of ancestors ending in this name:
        # 云南省楚雄彝族自治州楚雄市, 云南省楚雄市, 楚雄彝族自治州楚雄市.
        if len(names) >= 1:
            records.append((names[0] + r["name"], code, "qualified"))
        if len(names) == 2:
            records.append((names[1] + names[0] + r["name"], code, "qualified"))
            records.append((names[1] + r["name"], code, "qualified"))

    official = {r["name"] for r in real.values()}
    shorts: dict[str, set[str]] = {}
    for code, r in real.items():
        for s in _short_forms(r["name"], r["level"]):
            shorts.setdefault(s, set()).add(code)
    for alias, code in EXTRA_SHORT.items():
        shorts.setdefault(alias, set()).add(code)
    for alias, codes in shorts.items():
        # A short form is only worth having if it points one way.
        if len(codes) == 1 and alias not in official:
            records.append((alias, next(iter(codes)), "short"))

    out = pd.DataFrame(records, columns=["alias", "code", "kind"])
    out["_k"] = out["kind"].map(KIND_ORDER)
    out = (
        out.sort_values(["code", "_k", "alias"])
        .drop_duplicates(["alias", "code"])
        .drop(columns="_k")
        .reset_index(drop=True)
    )
    return out


class JurisdictionResolver:
    def __init__(self, df: pd.DataFrame, history: pd.DataFrame | None = None, year: int | None = None):
        self._frame = df
        self._history = history
        self.year = year
        self._by_year: dict[int, JurisdictionResolver] = {}
        self._rows = _records(df)
        # Every code ever used, for names and successors of codes no longer (or not yet) in use.
        self._past: dict[str, dict] = {}
        if history is not None:
            for r in history.sort_values(["code", "valid_from"]).itertuples(index=False):
                self._past[r.code] = {
                    "code": r.code, "name": r.name, "level": r.level, "parent_code": None,
                    "valid_to": None if r.valid_to is pd.NA else int(r.valid_to),
                    "successor_code": r.successor_code, "code_now": r.code_now,
                }
        # Plain dicts, not a pandas groupby: a resolver is built per report year, so this counts.
        codes_of: dict[str, set[str]] = {}
        variants = name_variants(df)
        for alias, code in zip(variants["alias"], variants["code"]):
            codes_of.setdefault(alias, set()).add(code)
        self._aliases: dict[str, tuple[str, ...]] = {a: tuple(sorted(codes_of[a])) for a in sorted(codes_of)}
        # Scan index: first two characters -> candidate lengths, longest first.
        # Every alias has at least two characters (忠县, 沛县).
        lengths: dict[str, set[int]] = {}
        for alias in self._aliases:
            lengths.setdefault(alias[:2], set()).add(len(alias))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        self._pairs = Pairs(self._lengths)

    @classmethod
    def from_csv(cls, path: Path | None = None, history_path: Path | None = HISTORY_PATH) -> "JurisdictionResolver":
        history = load_history(history_path) if history_path is not None else None
        return cls(load_jurisdictions(path), history)

    def for_year(self, year: int | None) -> "JurisdictionResolver":
        """The resolver of the divisions valid in `year` (built once per year). Years after the
        history's last one, or no year, are today's divisions."""
        if year is None or self._history is None or self.year is not None:
            return self
        if year > self._history_last_year():
            return self
        if year not in self._by_year:
            frame = divisions_of_year(self._frame, self._history, year)
            resolver = JurisdictionResolver(frame, None, year)
            resolver._past = self._past
            self._by_year[year] = resolver
        return self._by_year[year]

    def _history_last_year(self) -> int:
        # Computed once: pandas reductions cost more than the rest of for_year.
        if not hasattr(self, "_last_year"):
            self._last_year = max(int(self._history["valid_from"].max()), int(self._history["valid_to"].max()))
        return self._last_year

    def name(self, code: str) -> str:
        row = self._rows.get(code) or self._past.get(code)
        if row is None:
            raise KeyError(code)
        return row["name"]

    def get(self, code: str) -> dict:
        """The division's row; a code no longer in use has its last name (and no parent here)."""
        row = self._rows.get(code) or self._past.get(code)
        if row is None:
            raise KeyError(code)
        return {k: row[k] for k in ("code", "name", "level", "parent_code")}

    def successor(self, code: str) -> str | None:
        """The chosen successor of a code no longer in use (None for a code in use)."""
        row = self._past.get(code)
        return row["successor_code"] if row and row["valid_to"] is not None else None

    def code_now(self, code: str) -> str | None:
        """The code in use today that `code` became part of (itself when still in use)."""
        row = self._past.get(code)
        if row is None:
            return code if code in self._rows else None
        return row["code_now"]

    def candidates(self, alias: str) -> tuple[str, ...]:
        return self._aliases.get(alias, ())

    # -- matching -------------------------------------------------------

    def _match_at(self, text: str, i: int, within: tuple[str, ...] | None = None):
        """Longest alias at text[i:]; with `within`, only codes inside one of
        those codes count. Returns (end, codes) or None."""
        room = len(text) - i
        for n in self._lengths.get(text[i : i + 2], ()):
            if n > room:  # a slice past the end would match a shorter alias
                continue
            codes = self._aliases.get(text[i : i + n])
            if codes and within is not None:
                codes = tuple(c for c in codes if any(_inside(c, w) for w in within))
            if codes:
                return i + n, codes
        return None

    def _scan(self, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """Longest aliases from left to right, each scan resuming after the last one found. Only
        positions whose first two characters begin an alias can start one (Pairs)."""
        found, i = [], 0
        for start in self._pairs.starts(text):
            if start < i:
                continue  # inside the last alias found
            hit = self._match_at(text, start)
            if hit:
                found.append((start, hit[0], hit[1]))
                i = hit[0]
        return found

    def _context(self, found) -> set[str]:
        """Codes named unambiguously in a text, plus all their ancestors."""
        ctx: set[str] = set()
        for _, _, codes in found:
            if len(codes) == 1:
                code = codes[0]
                while code and code not in ctx:
                    ctx.add(code)
                    code = self._rows[code]["parent_code"]
        return ctx

    def _narrow(self, codes: tuple[str, ...], ctx: set[str]) -> str | None:
        if len(codes) == 1:
            return codes[0]
        # A named prefecture outweighs a named province.
        def score(c: str) -> int:
            return 2 if c[:4] + "00" in ctx else 1 if c[:2] + "0000" in ctx else 0

        scores = sorted(((score(c), c) for c in codes), reverse=True)
        if scores[0][0] > 0 and scores[0][0] > scores[1][0]:
            return scores[0][1]
        return None

    def split_issuer(self, issuer: str, context_text: str = "") -> tuple[str | None, str]:
        """Code of the most specific place at the start of `issuer`, and the rest.

        Unresolvable (no place, or an ambiguous one the context does not
        settle) gives (None, issuer) unchanged.
        """
        s = issuer.strip()
        i, codes = 0, None
        while True:
            hit = self._match_at(s, i, codes)
            if not hit:
                break
            i, codes = hit
        if codes is None:
            return None, issuer
        code = codes[0] if len(codes) == 1 else None
        if code is None and context_text:
            code = self._narrow(codes, self._context(self._scan(context_text)))
        return (code, s[i:]) if code else (None, issuer)

    def mentions(self, text: str) -> list[tuple[str, int, int]]:
        """(code, start, end) for each place named in text, left to right.

        Ambiguous names are kept only when the text's unambiguous mentions
        point to exactly one candidate.
        """
        found = self._scan(text)
        ctx = self._context(found)
        out = []
        for start, end, codes in found:
            code = self._narrow(codes, ctx)
            if code:
                out.append((code, start, end))
        return out


def code_prefix(code: str) -> str:
    """The codes under a division: 320000 → 32…, 320500 → 3205…, 320505 → itself."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def within(code: str, outer: str) -> bool:
    """True if `code` is `outer` or lies within it, by code prefix."""
    return code.startswith(code_prefix(outer))


def _inside(code: str, outer: str) -> bool:
    """True if `code` lies strictly within `outer`, by code prefix."""
    return code != outer and within(code, outer)
