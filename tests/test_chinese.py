import importlib.util
import sys
from pathlib import Path

import opencc
import pytest

from etl.chinese import (
    _HK_VARIANTS,
    NO_CONVERSION,
    TAIWAN_CONVERSION,
    TRADITIONAL_CONVERSION,
    phrase_table,
    read_phrase_file,
    to_simplified,
)
from etl.labels import compact, normalise_label

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).parent / "fixtures" / "seeds"
SIMPLIFIED_SEEDS = sorted(path for path in SEEDS.glob("*.txt") if not path.name.startswith("000_"))
TAIWAN_SEED = next(SEEDS.glob("000_*.txt"))

SIMPLIFIED = "苏州市人民政府坚持执行政策，提升行政效能，优化政府门户网站，公开规范性文件。"
TRADITIONAL = "蘇州市人民政府堅持以習近平新時代中國特色社會主義思想為指導，持續最佳化政府入口網站，公開規範性檔案。"


def _benchmark():
    spec = importlib.util.spec_from_file_location("traditional_roundtrip", REPO / "benchmarks" / "traditional_roundtrip.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


benchmark = _benchmark()


def _taiwan(text: str) -> str:
    return opencc.OpenCC("s2twp").convert(text)


def test_simplified_text_untouched():
    converted = to_simplified(SIMPLIFIED)
    assert (converted.text, converted.conversion, converted.changed_chars) == (SIMPLIFIED, NO_CONVERSION, 0)


@pytest.mark.parametrize("seed", SIMPLIFIED_SEEDS, ids=lambda path: path.name[:3])
def test_simplified_seeds_untouched(seed):
    text = seed.read_text(encoding="utf-8")
    converted = to_simplified(text)
    assert converted.conversion == NO_CONVERSION
    assert converted.text == text and converted.changed_chars == 0


def test_traditional_text_converted_with_taiwan_phrases_restored():
    converted = to_simplified(TRADITIONAL)
    assert converted.text == "苏州市人民政府坚持以习近平新时代中国特色社会主义思想为指导，持续优化政府门户网站，公开规范性文件。"
    assert converted.conversion == TAIWAN_CONVERSION
    assert converted.changed_chars > 10


@pytest.mark.parametrize(
    "taiwan, mainland",
    [
        ("政府入口網站", "政府门户网站"),
        ("規範性檔案", "规范性文件"),
        ("持續最佳化", "持续优化"),
        ("創新套用", "创新应用"),
        ("政府資訊公開", "政府信息公开"),
        ("上一年專案數量", "上一年项目数量"),
        ("及時釋出政府資訊", "及时发布政府信息"),
    ],
)
def test_taiwan_phrases(taiwan, mainland):
    assert to_simplified(taiwan).text == mainland


def test_ordinary_words_not_rewritten():
    converted = to_simplified("嚴格執行制度，提升行政效能，最佳化服務。")
    assert converted.text == "严格执行制度，提升行政效能，优化服务。"
    assert "运行" not in converted.text and "性能" not in converted.text


@pytest.mark.parametrize("config", ["s2t", "s2twp", "s2hk"])
def test_zhixing_xiaoneng_wenjian_never_rewritten(config):
    original = "严格执行《条例》，提升行政效能，在门户网站公开政府信息和规范性文件，确保政务平台平稳运行。"
    traditional = opencc.OpenCC(config).convert(original)
    assert to_simplified(traditional).text == original


def test_phrase_table_never_reverses_mainland_words():
    table = phrase_table()
    for word in ("执行", "效能", "文件", "建立", "新增", "程序", "智慧", "查询", "整合", "互动"):
        assert table.entries.get(word, word) == word, word


OPENCC_DICT_TOOL = Path(opencc.__file__).resolve().parent / "clib" / "bin" / "opencc_dict"


@pytest.mark.skipif(not OPENCC_DICT_TOOL.exists(), reason="this OpenCC package has no opencc_dict tool")
def test_phrase_table_file_is_what_derive_writes():
    derived, _ = benchmark.derive_table()
    assert read_phrase_file() == derived, "regenerate: .venv/bin/python benchmarks/traditional_roundtrip.py --derive"


def test_simplified_place_name_qianxian_untouched():
    title = "乾县人民政府2020年政府信息公开工作年度报告"
    assert to_simplified(title).text == title


def test_plain_traditional_text_keeps_its_wording():
    """No Taiwan phrasing: 档案, 线上, 设定, 资料 of the original stay (no reverse table)."""
    original = "市档案馆收藏档案资料，线上线下同步开展宣传，设定工作目标，收集资料，加强公共卫生信息发布。"
    for config in ("s2t", "s2hk"):
        converted = to_simplified(opencc.OpenCC(config).convert(original))
        assert converted.conversion == TRADITIONAL_CONVERSION
        assert converted.text == original


def test_hong_kong_variant_table_is_complete():
    expected = {char: simplified for char, simplified in benchmark.hk_variants().items() if char != "潀"}
    assert {chr(code): simplified for code, simplified in _HK_VARIANTS.items()} == expected


def test_hong_kong_variants():
    converted = to_simplified(opencc.OpenCC("s2hk").convert("加强医疗卫生机构信息公开工作"))
    assert converted.text == "加强医疗卫生机构信息公开工作"


@pytest.mark.parametrize(
    "mainland",
    [
        "许多工作列入考核，国内建设稳步推进，体系结构不断完善，重点选择旅游标准化项目。",
        "市档案馆、线上线下、新型别墅、解释出台背景、对口支援、专案组。",
    ],
)
def test_taiwan_reversal_does_not_cut_through_words(mainland):
    converted = to_simplified(_taiwan("政府信息公开，" + mainland))
    assert converted.conversion == TAIWAN_CONVERSION
    assert converted.text == "政府信息公开，" + mainland


def test_phrases_the_converter_left_alone_stay():
    """A word processor's conversion kept 數據 (seed 000), so its 資料 is the original's."""
    converted = to_simplified("政府入口網站公開統計數據，收集資料，印發檔案。")
    assert converted.text == "政府门户网站公开统计数据，收集资料，印发文件。"


def test_seed_000_restored_to_mainland_wording():
    converted = to_simplified(TAIWAN_SEED.read_text(encoding="utf-8"))
    assert converted.conversion == TAIWAN_CONVERSION
    text = compact(converted.text)
    assert normalise_label("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") in text
    assert text.count("门户网站") == 9 and "入口网站" not in text
    assert "政府文件" in text and "政策文件" in text and "档案" not in text
    assert "最佳化" not in text and "创新应用" in text and "随着政务新媒体" in text
    assert "严格执行" in text and "效能政府" in text


@pytest.fixture(scope="module")
def labels():
    return benchmark.table_labels()


@pytest.mark.parametrize("config", benchmark.CONFIGS)
@pytest.mark.parametrize("seed", SIMPLIFIED_SEEDS, ids=lambda path: path.name[:3])
def test_round_trip_recovers_labels_and_text(seed, config, labels):
    trip = benchmark.round_trip(seed, config, labels)
    assert trip.present > 0
    assert trip.recovered == trip.present, f"labels lost: {trip.diffs}"
    assert trip.share < benchmark.GOAL_SHARE, f"{trip.differing} characters differ: {trip.diffs}"
    assert trip.conversion == (TAIWAN_CONVERSION if config == "s2twp" else TRADITIONAL_CONVERSION)
