"""The text path's fast paths (issue 7) give exactly what the plain code they replaced gave.

Each reference below is the former implementation, kept verbatim in spirit (one step per
character, every pattern on every sentence, every mask, OpenCC on every text): the new code must
agree with it on every fixture report in every text layout, the seeds, free-form narrative
reports and the narrative phrasings and distractors, also with full-width digits and in
traditional characters. Equality of outputs, not speed: speed is in benchmarks/throughput.py.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import unicodedata
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import opencc
import pytest

from etl import chinese, metadata, narrative, text_layout
from etl.jurisdictions import JurisdictionResolver
from etl.labels import normalise_label
from etl.textscan import Pairs
from etl.values import looks_like_value
from tests.conftest import SEEDS
from tests.fixtures.generate import REPORTS, load_spec, render_variant
from tests.fixtures.narrative import DISTRACTORS, PHRASINGS, format_number, free_form_report

REPO = Path(__file__).resolve().parents[1]
TEXT_VARIANTS = ("text-pipe", "text-blank-lines", "text-markdown", "text-pipe-s2twp", "text-pipe-s2hk")


@lru_cache(maxsize=1)
def _texts() -> tuple[str, ...]:
    """Report texts as parse_report receives them, and the same simplified."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    for report in REPORTS:
        spec = load_spec(report)
        texts += [render_variant(spec, variant).data.decode("utf-8") for variant in TEXT_VARIANTS]
    rng = random.Random(7)
    for index in range(12):
        chosen = rng.sample(sorted(PHRASINGS), k=rng.randint(1, len(PHRASINGS)))
        sentences = [rng.choice(PHRASINGS[fact]).format(n=format_number(rng.choice([0, 3, 1234]), rng.choice(
            ["plain", "comma", "fullwidth"]))) for fact in chosen]
        texts.append(free_form_report("楚雄市人民政府", 2010 + index, sentences, rng))
    texts += [chinese.to_simplified(text).text for text in texts]
    return tuple(dict.fromkeys(texts))


@lru_cache(maxsize=1)
def _sentences() -> tuple[str, ...]:
    """Every line of the texts, every phrasing with numbers in every style, every distractor,
    each also with full-width digits, ideographic spaces and in traditional characters."""
    sentences = [line for text in _texts() for line in text.split("\n")]
    for templates in PHRASINGS.values():
        for template in templates:
            sentences += [template.format(n=format_number(n, style))
                          for n, style in ((7, "plain"), (3218, "comma"), (52, "fullwidth"), (0, "plain"))]
    sentences += DISTRACTORS
    sentences += ["未发生行政复议案件。", "没有收到行政诉讼。", "未收取任何费用。", "免收检索费、复制费。", "本年度无行政复议。",
                  "全年受理申请５件，电话：０８７１－１２３４５６７。", "〔2018〕12号文件受理申请3件", "第3件申请\n5件"]
    wide = str.maketrans("0123456789%-", "０１２３４５６７８９％－")
    sentences += [s.translate(wide).replace("，", "　") for s in sentences[-400:]]
    sentences += [opencc.OpenCC("s2t").convert(s) for s in sentences[-200:]]
    return tuple(dict.fromkeys(sentences))


# --- narrative ---------------------------------------------------------------------------------


def _old_fold(text: str) -> str:
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 and ch not in "，；：（）。" else ch)
    return "".join(out).replace("\u3000", " ")


def _old_mask(text: str) -> str:
    for pattern in narrative._MASKS:
        text = pattern.sub(lambda m: "#" * len(m.group(0)), text)
    return text


def _old_facts_in_sentence(sentence: str, line_no: int) -> list:
    masked = _old_mask(_old_fold(sentence))
    found, claimed = [], []
    application_context = re.search(r"申请", masked) is not None
    breakdown = masked.find("其中")
    for fact, pattern in narrative._COMPILED:
        for match in pattern.finditer(masked):
            start, end = match.span("n")
            if any(s < end and start < e for s, e in claimed):
                continue
            if fact == "applications_answered" and not application_context:
                continue
            if breakdown >= 0 and start > breakdown and fact not in narrative._OUTCOMES:
                continue
            if narrative._NOT_AFTER.search(masked[:start]):
                continue
            value = narrative._number(match["n"])
            if fact == "fees_yuan" and match["u"] == "万元":
                value = value * 10000
            elif fact != "fees_yuan" and value != value.to_integral_value():
                continue
            claimed.append((start, end))
            found.append((start, narrative.NarrativeFact(
                fact, narrative._plain(value), narrative.FACTS[fact], sentence.strip(), line_no)))
    if not re.search(r"\d", masked.replace("#", "")):
        for fact, pattern in narrative._ZERO:
            if pattern.search(masked) and not any(f.fact == fact for _, f in found):
                found.append((pattern.search(masked).start(), narrative.NarrativeFact(
                    fact, Decimal(0), narrative.FACTS[fact], sentence.strip(), line_no)))
    return [f for _, f in sorted(found, key=lambda x: x[0])]


def _old_read_facts(text: str, skip_lines=frozenset(), printed: str | None = None) -> list:
    from dataclasses import replace

    facts = []
    printed_lines = printed.split("\n") if printed is not None else None
    for index, line in enumerate(text.split("\n")):
        if index in skip_lines or "|" in line:
            continue
        original = printed_lines[index] if printed_lines and index < len(printed_lines) else None
        offset = 0
        for sentence in narrative._sentences(line):
            start = line.index(sentence, offset)
            offset = start + len(sentence)
            found = _old_facts_in_sentence(sentence, index + 1)
            if found and original is not None and len(original) == len(line) and original != line:
                found = [replace(f, sentence=original[start:offset].strip()) for f in found]
            facts.extend(found)
    return facts


def test_fold_is_nfkc_character_by_character():
    sample = "".join(map(chr, range(0x20, 0x3100))) + "".join(map(chr, range(0xFE30, 0x10000))) + "𝟏𝟐①²"
    assert narrative._fold(sample) == _old_fold(sample)


def test_no_character_folds_to_a_newline():
    # read_facts folds the whole text and splits it into lines: folding must keep them.
    assert [c for c in range(0x110000) if c != 10 and not 0xD800 <= c < 0xE000
            and unicodedata.normalize("NFKC", chr(c)) == "\n"] == []


def test_masks_as_before():
    for sentence in _sentences():
        folded = _old_fold(sentence)
        assert narrative._mask(folded) == _old_mask(folded), sentence


def test_words_present_as_with_a_test_per_word():
    # The one search without overlaps, plus the words it may hide, finds what a test per word finds.
    made = ["收费用", "不同意公开", "提起诉讼", "申诉讼", "复制费用", "不存在线", "回复制费", "答复制费用", "检索费用"]
    for words, pattern, hidden in (
        (narrative._NEED_WORDS.pattern.split("|"), narrative._NEED_WORDS, narrative._NEED_HIDDEN),
        (narrative._ZERO_NEED_WORDS.pattern.split("|"), narrative._ZERO_NEED_WORDS, narrative._ZERO_NEED_HIDDEN),
        ([need for needs in narrative._MASK_NEEDS for need in needs], narrative._MASK_WORDS, narrative._MASK_HIDDEN),
    ):
        words = sorted(set(words))
        pieces = [a + b for a in words for b in words] + [a[:-1] + b for a in words for b in words if len(a) > 1]
        for text in (*_sentences(), *made, *pieces):
            assert narrative._present(text, pattern, hidden) == {word for word in words if word in text}, text


def test_facts_in_sentence_as_before():
    for sentence in _sentences():
        assert narrative.facts_in_sentence(sentence, 3) == _old_facts_in_sentence(sentence, 3), sentence


def test_read_facts_as_before():
    for text in _texts():
        simplified = chinese.to_simplified(text).text
        assert narrative.read_facts(simplified, printed=text) == _old_read_facts(simplified, printed=text)
        assert narrative.read_facts(text, skip_lines={3, 4, 40}) == _old_read_facts(text, skip_lines={3, 4, 40})


# --- text layout -------------------------------------------------------------------------------


def _old_cells_of(lines: list[str], first_line_no: int = 0) -> list[tuple]:
    marked = sum(1 for line in lines if line.rstrip().endswith("|"))
    nonempty = sum(1 for line in lines if line.strip())
    pipe_layout = marked >= 3 and marked / nonempty >= 0.1 or (marked > 0 and marked == nonempty)
    cells = []
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if pipe_layout:
            if not stripped or re.match(r"^\|{2,}$", stripped.replace(" ", "")) and " " not in stripped:
                continue
            parts = stripped.split("|")
            if stripped.endswith("|"):
                parts = parts[:-1]
            if len(parts) > 1 and stripped.startswith("|") and stripped.strip("| "):
                parts = parts[1:]
            texts = [part.strip() for part in parts]
        else:
            if line == "":
                continue
            texts = [stripped]
        cells += [(text, "value" if looks_like_value(text) else "label", first_line_no + offset) for text in texts]
    return cells


def _old_headings(lines: list[str]) -> list[tuple[int, str]]:
    return [(index, name) for index, line in enumerate(lines) if line.strip()
            for name, pattern in text_layout._HEADINGS
            if pattern.match(normalise_label(line.strip()[:text_layout._MAX_HEADING_CHARS]))]


def test_cells_and_headings_as_before():
    odd = ["", "|", "||||", "| |", " | 规章 | 0 |", "规章 | 0 | 0 |", "  二、主动公开政府信息情况", "|\u3000三、收到和处理政府信息公开申请情况",
           "“四、政府信息公开行政复议、行政诉讼情况", "２、主动公开情况", "4、行政复议、行政诉讼情况", "3.收到和处理政府信息公开申请情况", "2．主动公开政府信息情况", "\xa0五、存在的问题", "六、其他", "0 |", "a|b", "||规章",
           "\u3000\u3000二、主动公开政府信息情况", "\xa0|\xa0三、收到和处理政府信息公开申请情况", " \t 四、行政复议情况", "\u2002六、其他",
           "\u3000\u3000一是加强领导。", "\xa0\xa0", "| " * 30 + "二、主动公开政府信息情况", "\u3000" * 45 + "三、收到和处理政府信息公开申请情况"]
    for text in (*_texts(), "\n".join(odd)):
        lines = text.split("\n")
        assert [tuple(cell) for cell in text_layout.cells_of(lines, 5)] == _old_cells_of(lines, 5)
        starts = text_layout.heading_starts(lines)
        assert [(index, name) for index, start in starts for name, pattern in text_layout._HEADINGS
                if pattern.match(start)] == _old_headings(lines)


# --- place names and phrases -------------------------------------------------------------------


def _old_scan(resolver: JurisdictionResolver, text: str) -> list:
    found, i, n = [], 0, len(text)
    while i < n - 1:
        hit = resolver._match_at(text, i)
        if hit:
            found.append((i, hit[0], hit[1]))
            i = hit[0]
        else:
            i += 1
    return found


@pytest.fixture(scope="module")
def resolver():
    return JurisdictionResolver.from_csv()


def test_place_scan_as_before(resolver):
    older = resolver.for_year(2012)
    for text in (*_texts(), "楚雄彝族自治州楚雄市", "江苏", "苏州市", "x"):
        assert resolver._scan(text) == _old_scan(resolver, text)
        assert older._scan(text) == _old_scan(older, text)


def _old_apply(table: chinese.PhraseTable, text: str, keep=frozenset()):
    out, found = [], {}
    start = position = replaced = 0
    while position < len(text):
        for length in table._lengths.get(text[position], ()):
            piece = text[position:position + length]
            mainland = table.entries.get(piece)
            if mainland is None:
                continue
            found[piece] = found.get(piece, 0) + 1
            if mainland != piece and piece not in keep:
                out += [text[start:position], mainland]
                replaced += length
                start = position + length
            position += length
            break
        else:
            position += 1
    out.append(text[start:])
    return "".join(out), replaced, found


def test_phrase_table_as_before():
    table = chinese.phrase_table()
    keys = sorted(table.entries)
    rng = random.Random(3)
    # Phrases back to back and cut by the end of the text, where a longer length takes a piece.
    made = ["".join(rng.choice(keys) for _ in range(8)) + rng.choice(keys)[:-1] for _ in range(200)]
    t2s = opencc.OpenCC("t2s")
    for text in (*_texts(), *made, *(t2s.convert(text) for text in _texts())):
        assert table.apply(text) == _old_apply(table, text)
        keep = frozenset(keys[::7])
        assert table.apply(text, keep) == _old_apply(table, text, keep)


def test_pairs_finds_every_pair():
    pairs = Pairs(["ab", "b\U0001F600", "\uffff\uffff", "中国"])
    text = "xabab\U0001F600中国中\ud800\uffff\uffffa"
    assert pairs.starts(text) == [i for i in range(len(text) - 1) if text[i:i + 2] in {"ab", "b\U0001F600", "\uffff\uffff", "中国"}]
    assert pairs.starts("") == pairs.starts("a") == []


# --- OpenCC ------------------------------------------------------------------------------------


def test_t2s_character_file_is_what_derive_writes():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "derive_t2s_characters.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_to_simplified_as_with_opencc_on_every_text(monkeypatch):
    texts = _texts()
    fast = [chinese.to_simplified(text) for text in texts]
    may_change = chinese._t2s_may_change()
    assert may_change is not None  # the file matches the installed OpenCC
    # Without the character check every text goes through OpenCC, as before.
    monkeypatch.setattr(chinese, "_t2s_may_change", lambda: None)
    assert [chinese.to_simplified(text) for text in texts] == fast
    t2s = opencc.OpenCC("t2s")
    for text in texts:
        if not may_change[[ord(ch) for ch in text]].any():
            assert t2s.convert(text) == text


# --- titles ------------------------------------------------------------------------------------


def _old_title_in(line: str):
    found = []
    for pattern in (metadata._YEAR_TAIL, metadata._TAIL_YEAR):
        for match in pattern.finditer(line):
            if pattern is metadata._YEAR_TAIL and match["cut"] is not None and not any(
                    t.startswith(match["cut"]) for t in metadata._TAILS):
                continue
            start = metadata._issuer_start(line, match.start())
            if start is not None:
                found.append((start, metadata.Title(line[start:match.end()], line[start:match.start()].strip(), int(match["year"]))))
                break
    match = metadata._TITLE_YEAR_FIRST.search(line)
    if match is not None:
        issuer = match["issuer"]
        if issuer.endswith("政府政府") or (issuer.endswith("政府") and not issuer.endswith("人民政府")):
            issuer = issuer[:-2]
        found.append((match.start(), metadata.Title(match.group(0), issuer, int(match["year"]))))
    return min(found, key=lambda item: item[0])[1] if found else None


def test_title_search_as_before():
    lines = [line for text in _texts() for line in text.split("\n")]
    lines += ["苏州市财政局政府信息公开工作年度报告（2020年度）", "关于 2019 年政府信息公开工作年度报告", "苏州市2021年度政府信息公开工作年度报...",
              "2020年苏州市人民政府政府信息公开工作年度报告", "苏州市财政局政府信息公开工作年度报告 ( 2020 年 )"]
    for line in lines:
        assert metadata._title_in(line) == _old_title_in(line), line


def _old_find_title(text: str):
    lines = [line.strip() for line in text.split("\n") if line.strip()][:metadata._TITLE_LINES]
    nameless = None
    for index, line in enumerate(lines):
        wrapped = line + lines[index + 1] if index + 1 < len(lines) and len(line) <= 60 else None
        for candidate in (line, wrapped):
            if candidate is None or ("公开" not in candidate and "信" not in candidate):
                continue
            title = _old_title_in(candidate)
            if title is not None and title.issuer:
                return title
            nameless = nameless or title
    return nameless


def test_find_title_as_before():
    """find_title's one search for a title's tail (or a cut title's ellipsis) in the head lines
    before trying each line: the same title, on texts that have one at the top, further down,
    wrapped over two lines (the tail split between them), cut short, or none."""
    texts = list(_texts())
    heads = ["苏州市财政局政府信息公开工作年度报告（2020年度）", "关于 2019 年政府信息公开工作年度报告", "苏州市2021年度政府信息公开工作年度报...",
             "2020年苏州市人民政府政府信息公开工作年度报告", "苏州市人民政府2020年政府信息\n公开工作年度报告", "苏州市人民政府2020\n年政务公开工作总结",
             "2020年政府信息公开工作年度报告", "苏州市2021年度政府信息公开⋯", "苏州市2021年度政府信息公开。。", "苏州市2021年度政府信息…",
             "详见《2019年政府信息公开工作年度报告》", "政府信息公开工作年度报\n告"]
    for text in list(texts):
        lines = text.split("\n")
        texts += ["\n".join(lines[skip:]) for skip in (1, 3, 10, 29, 31, 60)]
        texts += [head + "\n" + "\n".join(lines[skip:]) for head in heads for skip in (3, 29)]
        texts += ["\n".join(lines[:25]) + "\n" + head + "\n" + "\n".join(lines[25:]) for head in heads]
    for text in texts:
        assert metadata.find_title(text) == _old_find_title(text), text[:200]


# --- checks ------------------------------------------------------------------------------------


def _old_check_applications(rows: list[dict], template: str) -> list:
    from etl import templates as t
    from etl.checks import _fmt, _short, _sum_check
    from etl.quality import ERROR, Issue

    if not rows:
        return []
    row_name = {r["row_code"]: _short(r["row_label"]) for r in rows}
    column_name = {r["applicant"]: r["column_label"] for r in rows}
    value = {(r["row_code"], r["applicant"]): r["value"] for r in rows}

    def term(code, applicant, by_column=False):
        return (column_name[applicant] if by_column else row_name[code], value[(code, applicant)])

    issues = []
    outcomes = t.outcome_rows(template)
    for applicant in t.APPLICANTS:
        column = column_name[applicant]
        new, carried, total, forward = (term(c, applicant) for c in ("1", "2", "3.7", "4"))
        if all(v is not None for _, v in (new, carried, total, forward)):
            left, right = new[1] + carried[1], total[1] + forward[1]
            if left != right:
                issues.append(Issue(
                    "applications", "applications_balance", ERROR,
                    f"{column}列: {new[0]}({_fmt(new[1])}) + {carried[0]}({_fmt(carried[1])}) = {_fmt(left)}，"
                    f"但{total[0]}({_fmt(total[1])}) + {forward[0]}({_fmt(forward[1])}) = {_fmt(right)}",
                    expected=left, actual=right,
                ))
        issues.append(_sum_check(
            "applications", "applications_outcome_total", f"{column}列 办理结果各项之和",
            term("3.7", applicant), [term(c, applicant) for c in outcomes],
        ))
    for row in t.APPLICATION_ROWS[template]:
        issues.append(_sum_check(
            "applications", "applications_row_total", f"{row_name[row.code]}一行 各类申请人之和",
            term(row.code, "total", by_column=True),
            [term(row.code, a, by_column=True) for a in t.APPLICANTS if a != "total"],
        ))
    return [issue for issue in issues if issue is not None]


def test_check_applications_as_before(resolver):
    from etl.checks import check_applications
    from etl.transform import parse_report

    rng = random.Random(5)
    for text in _texts():
        report = parse_report(text, "mem://x", "x", resolver)
        if not report.applications:
            continue
        rows = [dict(row) for row in report.applications]
        variants = [rows]
        for _ in range(6):  # sums broken, blanks, a label repeated with another spelling
            changed = [dict(row) for row in rows]
            for row in rng.sample(changed, k=5):
                row["value"] = rng.choice([None, Decimal(0), Decimal(7), Decimal("2.5"), Decimal(-3)])
            changed.append({**rng.choice(changed), "row_label": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"})
            variants.append(changed)
        for variant in variants:
            assert check_applications(variant, report.template) == _old_check_applications(variant, report.template)


# --- tables ------------------------------------------------------------------------------------


def _old_capture_rows(cells, match, width_of):
    from etl.tables import _looks_like_garbled_value, _RowCapture
    from etl.text_layout import LABEL, VALUE, Cell
    from etl.values import is_blank

    captured, extra_rows, duplicates, overfull = {}, [], [], {}
    current = extra = previous_code = unmatched_label = None
    header, last_was_value = [], False
    for cell in cells:
        if cell.kind == LABEL:
            label = cell.text
            code = match(normalise_label(label), previous_code)
            if code is None and current is not None and len(captured[current].values) < width_of(current) \
                    and _looks_like_garbled_value(label):
                captured[current].values.append(Cell(label, VALUE, cell.line_no))
                last_was_value = True
                continue
            if code is None and unmatched_label is not None:
                code = match(normalise_label(unmatched_label + label), previous_code)
                if code is not None:
                    label = unmatched_label + label
                    if header and header[-1] == unmatched_label:
                        header.pop()
            if code is not None:
                if code in captured:
                    duplicates.append(code)
                    current = None
                else:
                    captured[code] = _RowCapture(label, list(header), cell.line_no)
                    current = code
                previous_code = code
                extra = None
                unmatched_label = None
            elif current is not None and not captured[current].values:
                captured[current].label += label
            else:
                if last_was_value:
                    header = []
                header.append(label)
                current = None
                extra = (label, [], [])
                extra_rows.append(extra)
                unmatched_label = label
            last_was_value = False
        else:
            last_was_value = True
            unmatched_label = None
            if current is not None and len(captured[current].values) < width_of(current):
                captured[current].values.append(cell)
            elif current is not None:
                if not cell.is_blank_value:
                    overfull.setdefault(current, []).append(cell.text)
            elif extra is not None:
                extra[1].append(cell.text)
                extra[2].append(cell.line_no)
    local_rows = [row for row in extra_rows if any(not is_blank(v) for v in row[1])]
    return captured, local_rows, duplicates, overfull


def test_tables_as_before(monkeypatch):
    from etl import tables
    from etl import templates as t
    from etl.text_layout import VALUE, Cell, cells_of, find_sections

    rng = random.Random(9)
    cases = []
    for text in _texts():
        lines = chinese.to_simplified(text).text.split("\n")
        for name, section in find_sections(lines).items():
            cells = cells_of(lines[section.start:section.end], section.start)
            cases.append((name, cells))
            for _ in range(3 if len(cells) > 2 else 0):  # cells lost, repeated, moved; garbled values: every path of the walk
                changed = list(cells)
                for _ in range(4):
                    i = rng.randrange(len(changed))
                    action = rng.choice(["drop", "repeat", "move", "garble", "value"])
                    if action == "drop" and len(changed) > 2:
                        del changed[i]
                    elif action == "repeat":
                        changed.insert(i, changed[rng.randrange(len(changed))])
                    elif action == "move":
                        changed.insert(rng.randrange(len(changed)), changed.pop(i))
                    elif action == "garble":
                        changed.insert(i, Cell("约5件", "label", i))
                    else:
                        changed.insert(i, Cell(rng.choice(["7", "—", ""]), VALUE, i))
                cases.append((name, changed))
    parse = {"article20": lambda c, tpl: tables.parse_article20(c, tpl),
             "applications": lambda c, tpl: tables.parse_applications(c, tpl),
             "review_litigation": lambda c, tpl: tables.parse_review_litigation(c)}
    new = [parse[name](cells, tpl) for name, cells in cases for tpl in (t.T2019, t.T2021)]
    monkeypatch.setattr(tables, "_capture_rows", _old_capture_rows)
    old = [parse[name](cells, tpl) for name, cells in cases for tpl in (t.T2019, t.T2021)]
    assert new == old
    codes = {issue.check_code for result in new for issue in result.issues}
    assert {"extra_cells", "duplicate_row", "unrecognised_row", "row_incomplete"} <= codes, codes


def test_unconverted_as_before():
    table = chinese.phrase_table()
    t2s = opencc.OpenCC("t2s")
    for text in (*_texts(), *(t2s.convert(opencc.OpenCC("s2twp").convert(text)) for text in _texts()[:8])):
        plain = t2s.convert(text)
        _, _, found = table.apply(plain)
        found = {**found, **{phrase: 1 for phrase in list(table.entries)[::50]}}  # wordings present or not
        old = frozenset(phrase for phrase, count in found.items() if table.entries[phrase] != phrase
                        and plain.replace(phrase, "\0").count(table.entries[phrase]) >= count)
        assert table.unconverted(plain, found) == old


def _old_find_sections(lines, starts):
    found = []
    for index, start in starts:
        for name, pattern in text_layout._HEADINGS:
            if pattern.match(start) and name not in {f[1] for f in found}:
                found.append((index, name, lines[index].strip()))
                break
    found.sort()
    sections = {}
    for position, (index, name, heading) in enumerate(found):
        end = found[position + 1][0] if position + 1 < len(found) else len(lines)
        if name in ("article20", "applications", "review_litigation"):
            sections[name] = text_layout.Section(name, heading, index + 1, end)
    return sections


def _old_repeated_sections(lines, sections, starts):
    headings = [(index, name) for index, start in starts for name, pattern in text_layout._HEADINGS if pattern.match(start)]
    repeats = {}
    for position, (index, name) in enumerate(headings):
        first = sections.get(name)
        if first is None or index < first.end or name in repeats:
            continue
        end = headings[position + 1][0] if position + 1 < len(headings) else len(lines)
        repeats[name] = text_layout.Section(name, lines[index].strip(), index + 1, end)
    return repeats


def test_sections_as_before():
    for text in _texts():
        lines = text.split("\n")
        doubled = lines + lines[len(lines) // 3:]  # every table printed again
        for ls in (lines, doubled, [line.replace("二、", "五、") for line in doubled]):
            starts = text_layout.heading_starts(ls)
            sections = text_layout.find_sections(ls, starts)
            assert sections == _old_find_sections(ls, starts)
            assert text_layout.repeated_sections(ls, sections, starts) == _old_repeated_sections(ls, sections, starts)
            assert text_layout.find_sections(ls) == sections


def test_phrase_table_third_character_sieve_as_before():
    # Pairs that begin phrases followed by other characters, phrases cut after two or three
    # characters, at the end and inside the text: the sieve must pass over only positions where
    # the one-step loop finds nothing.
    table = chinese.phrase_table()
    keys = sorted(table.entries)
    rng = random.Random(4)
    filler = "的年政府信息公开工作报告一二三"
    for _ in range(300):
        pieces = [rng.choice(keys)[:rng.choice([2, 3, 4, 9])] + rng.choice(filler) for _ in range(rng.randint(1, 12))]
        text = "".join(pieces)
        text = text[:rng.randint(0, len(text))] if rng.random() < 0.3 else text
        assert table.apply(text) == _old_apply(table, text)
        assert table.apply(text[:-1]) == _old_apply(table, text[:-1])
