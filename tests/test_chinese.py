import pytest

from etl.chinese import CONVERSION_NAME, NO_CONVERSION, to_simplified

SIMPLIFIED = "苏州市人民政府坚持执行政策，提升行政效能，优化政府门户网站，公开规范性文件。"
TRADITIONAL = "蘇州市人民政府堅持以習近平新時代中國特色社會主義思想為指導，持續最佳化政府入口網站，公開規範性檔案。"


def test_simplified_text_untouched():
    converted = to_simplified(SIMPLIFIED)
    assert (converted.text, converted.conversion, converted.changed_chars) == (SIMPLIFIED, NO_CONVERSION, 0)


def test_traditional_text_converted_with_taiwan_phrases_restored():
    converted = to_simplified(TRADITIONAL)
    assert converted.text == "苏州市人民政府坚持以习近平新时代中国特色社会主义思想为指导，持续优化政府门户网站，公开规范性文件。"
    assert converted.conversion == CONVERSION_NAME
    assert converted.changed_chars > 10


@pytest.mark.parametrize(
    "taiwan, mainland",
    [("政府入口網站", "政府门户网站"), ("規範性檔案", "规范性文件"), ("持續最佳化", "持续优化"), ("創新套用", "创新应用")],
)
def test_taiwan_phrases(taiwan, mainland):
    assert to_simplified(taiwan).text == mainland


def test_ordinary_words_not_rewritten():
    converted = to_simplified("嚴格執行制度，提升行政效能，最佳化服務。")
    assert converted.text == "严格执行制度，提升行政效能，优化服务。"
    assert "运行" not in converted.text and "性能" not in converted.text


def test_simplified_place_name_qianxian_untouched():
    title = "乾县人民政府2020年政府信息公开工作年度报告"
    assert to_simplified(title).text == title
