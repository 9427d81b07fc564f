"""Facts stated in sentences: seed 002 against hand-written values, every phrasing of the fixture
generator, and numbers that are no facts."""

from __future__ import annotations

import csv
import random
from decimal import Decimal

import pytest

from etl.narrative import FACTS, conflicts, facts_in_sentence, read_facts, report_tables
from tests.conftest import EXPECTED, SEEDS
from tests.fixtures.narrative import DISTRACTORS, PHRASINGS, format_number, free_form_report


def test_seed_002_yields_its_stated_facts():
    text = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    with (EXPECTED / "002_7cc22e727452566f" / "narrative_facts.csv").open(encoding="utf-8") as f:
        expected = [(r["fact"], Decimal(r["value"]), r["unit"] or None, int(r["source_line"]), r["sentence"]) for r in csv.DictReader(f)]
    got = [(f.fact, f.value, f.unit, f.source_line, f.sentence) for f in read_facts(text)]
    assert got == expected
    lines = text.split("\n")
    for _, value, _, line, sentence in expected:
        assert sentence in lines[line - 1]


@pytest.mark.parametrize("fact", sorted(PHRASINGS))
def test_every_phrasing_is_read_exactly(fact):
    assert len(PHRASINGS[fact]) >= 15
    for template in PHRASINGS[fact]:
        for n, style in ((7, "plain"), (3218, "comma"), (52, "fullwidth"), (0, "plain"), (120045, "comma")):
            sentence = template.format(n=format_number(n, style))
            got = [(f.fact, f.value) for f in facts_in_sentence(sentence, 1)]
            assert got == [(fact, Decimal(n))], sentence


def test_generated_reports_are_read_exactly():
    rng = random.Random(10)
    for _ in range(40):
        chosen = rng.sample(sorted(PHRASINGS), k=rng.randint(1, len(PHRASINGS)))
        values = {fact: rng.choice([0, 1, 3, 52, 999, 1234, 34284]) for fact in chosen}
        sentences = [
            rng.choice(PHRASINGS[fact]).format(n=format_number(values[fact], rng.choice(["plain", "comma", "fullwidth"])))
            for fact in chosen
        ]
        text = free_form_report("石家庄市栾城县人民政府", 2012, sentences, rng)
        facts = read_facts(text)
        assert {(f.fact, f.value) for f in facts} == {(k, Decimal(v)) for k, v in values.items()}, text
        assert len(facts) == len(values)
        lines = text.split("\n")
        for f in facts:
            assert f.sentence in lines[f.source_line - 1]


@pytest.mark.parametrize("sentence", DISTRACTORS + [
    "印发《关于2018年政务公开工作要点的通知》（楚市政办〔2018〕64号）。",
    "2018年，全市政府信息公开工作取得新进展。",
    "咨询电话：0871-63612345，12345政府热线全天受理。",
    "于2019年1月14日公开，申请人可于15个工作日内提出。",
    "主动公开政府信息占比达到95%。",
    "全年共受理政府信息公开申请受理点50个。",
    "无论是否提起行政复议，均应依法答复。",
    "不断压缩行政成本费用。",
])
def test_no_fact_from_numbers_that_are_not_counts_of_it(sentence):
    assert facts_in_sentence(sentence, 1) == []


def test_stated_none_is_zero_and_breakdowns_are_not_totals():
    assert [(f.fact, f.value) for f in read_facts("全年未发生因政府信息公开引起的行政复议和行政诉讼案件。")] == [
        ("reviews", 0), ("lawsuits", 0)]
    text = "共收到政府信息公开申请25件，其中向市政府提出依申请公开9件，向部门提出依申请公开16件。"
    assert [(f.fact, f.value) for f in read_facts(text)] == [("applications_received", 25)]
    assert [(f.fact, f.value) for f in read_facts("政府信息公开行政复议、行政诉讼案件15件。")] == [("reviews_and_lawsuits", 15)]
    assert [(f.fact, f.value, f.unit) for f in read_facts("收取费用1.5万元。")] == [("fees_yuan", 15000, "元")]
    assert [(f.fact, f.value) for f in read_facts("办理依申请公开未收取任何费用。")] == [("fees_yuan", 0)]


def test_a_fact_stated_twice_differently_is_an_issue():
    facts = read_facts("全年受理政府信息公开申请52件。\n概述：全年共收到政府信息公开申请50件。\n受理政府信息公开申请52件。")
    issues = conflicts(facts)
    assert [(i.table_name, i.check_code, i.expected, i.actual) for i in issues] == [
        ("narrative", "narrative_conflict", 52, 50)]
    assert "第2行" in issues[0].detail


def test_report_tables_become_local_rows():
    lines = ["正文。", "项目 |", "数量 |", "主动公开信息 |", "3218 |", "依申请公开 |", "52 |", "-- |", "正文。"]
    rows = report_tables(lines)
    assert [(r["table_name"], r["row_no"], r["position"], r["row_label"], r["value"], r["raw"]) for r in rows] == [
        ("pre2019", 1, 1, "主动公开信息", 3218, "3218"),
        ("pre2019", 2, 1, "依申请公开", 52, "52"),
        ("pre2019", 2, 2, "依申请公开", None, "--"),
    ]


def test_fact_codes_are_documented():
    assert set(PHRASINGS) <= set(FACTS)


def test_sentence_is_given_as_printed_in_traditional_characters():
    from etl.chinese import to_simplified

    printed = "本年度共受理政府資訊公開申請12件，均已答覆。"
    converted = to_simplified(printed).text
    facts = read_facts(converted, printed=printed)
    assert [(f.fact, f.value, f.sentence) for f in facts] == [("applications_received", 12, printed)]


def test_written_reports_are_read_exactly(tmp_path):
    from etl.extract import read_document
    from tests.fixtures.narrative import write_reports

    expected = write_reports(tmp_path, count=12)
    by_file: dict[str, set] = {}
    for row in expected:
        by_file.setdefault(row["file"], set()).add((row["fact"], Decimal(row["value"])))
    for name, facts in by_file.items():
        source = read_document(str(tmp_path / name), (tmp_path / name).read_bytes(), name)
        assert {(f.fact, f.value) for f in read_facts(source.text)} == facts, name
