import pytest

from etl.jurisdictions import JurisdictionResolver, load_jurisdictions, name_variants


@pytest.fixture(scope="module")
def df():
    return load_jurisdictions()


@pytest.fixture(scope="module")
def resolver(df):
    return JurisdictionResolver(df)


CHANGCHUN_CHAOYANG = "220104"


@pytest.mark.parametrize(
    "issuer, expected",
    [
        ("楚雄市人民政府", ("532301", "人民政府")),
        ("楚雄彝族自治州楚雄市人民政府办公室", ("532301", "人民政府办公室")),
        ("云南省楚雄市人民政府", ("532301", "人民政府")),
        ("楚雄州楚雄市人民政府", ("532301", "人民政府")),
        ("苏州市人民政府", ("320500", "人民政府")),
        ("漳平市人民政府", ("350881", "人民政府")),
        ("太原市人民政府", ("140100", "人民政府")),
        ("乌鲁木齐市人民政府", ("650100", "人民政府")),
        ("上海市人民政府", ("310000", "人民政府")),
        ("北京市人民政府", ("110000", "人民政府")),
        ("天津市人民政府", ("120000", "人民政府")),
        ("重庆市人民政府", ("500000", "人民政府")),
        ("北京市朝阳区人民政府", ("110105", "人民政府")),
        ("吉林省长春市朝阳区财政局", (CHANGCHUN_CHAOYANG, "财政局")),
        ("湖北省仙桃市人民政府", ("429004", "人民政府")),
        ("新疆维吾尔自治区人民政府", ("650000", "人民政府")),
        ("朝阳区人民政府", (None, "朝阳区人民政府")),
        ("某某局", (None, "某某局")),
    ],
)
def test_split_issuer(resolver, issuer, expected):
    assert resolver.split_issuer(issuer) == expected


def test_split_issuer_context(resolver):
    report = "长春市朝阳区2023年政府信息公开工作年度报告"
    assert resolver.split_issuer("朝阳区人民政府", report) == (CHANGCHUN_CHAOYANG, "人民政府")
    assert resolver.split_issuer("朝阳区人民政府", "北京市")[0] == "110105"
    # Both candidates' provinces named: still ambiguous.
    assert resolver.split_issuer("朝阳区人民政府", "北京市、吉林省")[0] is None


def test_level_counts(df):
    counts = df["level"].value_counts()
    assert counts["province"] >= 31
    assert counts["prefecture"] >= 330
    assert counts["county"] >= 2800


def test_codes_unique_and_six_digits(df):
    assert df["code"].is_unique
    assert df["code"].str.fullmatch(r"\d{6}").all()


def test_parents_exist(df):
    codes = set(df["code"])
    provinces = df[df["level"] == "province"]
    assert provinces["parent_code"].isna().all()
    others = df[df["level"] != "province"]
    assert others["parent_code"].isin(codes).all()


def test_municipality_placeholders_not_aliased(df):
    v = name_variants(df)
    assert set(v.loc[v["alias"] == "北京市", "code"]) == {"110000"}
    assert not v["code"].isin(["110100", "120100", "310100", "500100", "500200"]).any()


def test_name_variants(df):
    v = name_variants(df)
    assert list(v.columns) == ["alias", "code", "kind"]
    assert not v.duplicated(["alias", "code"]).any()
    pairs = set(zip(v["alias"], v["code"]))
    for alias, code in [
        ("楚雄州", "532300"),
        ("云南", "530000"),
        ("新疆", "650000"),
        ("广西", "450000"),
        ("内蒙古", "150000"),
        ("云南省楚雄彝族自治州楚雄市", "532301"),
        ("云南省楚雄市", "532301"),
        ("北京市朝阳区", "110105"),
    ]:
        assert (alias, code) in pairs
    assert v.equals(name_variants(df))  # deterministic


def test_qualified_and_bare_same_code(resolver):
    assert resolver.split_issuer("楚雄彝族自治州楚雄市")[0] == resolver.split_issuer("楚雄市")[0]


def test_name_and_get(resolver):
    assert resolver.name("532301") == "楚雄市"
    assert resolver.get("532301") == {
        "code": "532301",
        "name": "楚雄市",
        "level": "county",
        "parent_code": "532300",
    }
    assert resolver.get("110000")["parent_code"] is None


def test_mentions_in_sentence(resolver):
    text = "太原市人民政府办公室关于印发山西省某文件的通知"
    assert ("140100", 0, 3) in resolver.mentions(text)


def test_mentions_disambiguates_by_other_mentions(resolver):
    assert [m[0] for m in resolver.mentions("朝阳区")] == []
    assert [m[0] for m in resolver.mentions("长春市所辖朝阳区")] == ["220100", CHANGCHUN_CHAOYANG]


def test_mentions_long_text_in_order(resolver, df):
    names = df.loc[df["level"] == "county", "name"].head(200).tolist()
    filler = "根据政府信息公开条例规定，现公布本年度工作报告。"
    text = "".join(filler + n for n in names * 4)
    assert len(text) > 20000
    found = resolver.mentions(text)
    assert len(found) >= 400
    starts = [s for _, s, _ in found]
    assert starts == sorted(starts)
    assert all(e1 <= s2 for (_, _, e1), (_, s2, _) in zip(found, found[1:]))
    assert all(text[s:e] for _, s, e in found)
