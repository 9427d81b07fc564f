import pytest

from etl.labels import compact, normalise_label


@pytest.mark.parametrize(
    "printed, normalised",
    [
        ("（三）不予公开", "(三)不予公开"),
        ("第二十条第（一）项", "第二十条第(一)项"),
        ("本年收费金额（单位：万元）", "本年收费金额(单位:万元)"),
        ("商业 企业", "商业企业"),
        ("法律服务\u3000机构", "法律服务机构"),  # ideographic space
        (" 规章 |", "规章"),
        ("3.危及“三安全一稳定”", "3.危及三安全一稳定"),
        ('危及"三安全一稳定"', "危及三安全一稳定"),
        ("危及「三安全一稳定」", "危及三安全一稳定"),
    ],
)
def test_normalise_label(printed, normalised):
    assert normalise_label(printed) == normalised


def test_variants_normalise_alike():
    assert normalise_label("（三）危及“三安全一稳定”") == normalise_label("(三) 危及三安全一稳定")


def test_compact_is_label_normalisation_of_whole_text():
    assert compact("第二十条第（九）项\n政府 集中采购") == "第二十条第(九)项政府集中采购"
