from etl.text_layout import LABEL, VALUE, cells_of, find_sections


def cells(text):
    return [(c.text, c.kind) for c in cells_of(text.split("\n"))]


# --- the pipe layout ---------------------------------------------------------------------------


def test_pipe_one_cell_per_line():
    text = "规章 |\n0 |\n|\n||||\n28 |"
    assert cells(text) == [("规章", LABEL), ("0", VALUE), ("", VALUE), ("28", VALUE)]


def test_pipe_bare_bar_is_a_blank_value_cell():
    [cell] = cells_of(["|"])
    assert (cell.text, cell.kind, cell.is_blank_value) == ("", VALUE, True)


def test_pipe_fillers_are_skipped():
    assert cells("规章 |\n||\n|||||||\n1 |") == [("规章", LABEL), ("1", VALUE)]


def test_pipe_whole_row_on_one_line():
    assert cells("规章 | 0 | 0 | 0 |") == [("规章", LABEL), ("0", VALUE), ("0", VALUE), ("0", VALUE)]


def test_pipe_row_with_blank_inside():
    assert cells("规章 | 1 | | -3 |") == [("规章", LABEL), ("1", VALUE), ("", VALUE), ("-3", VALUE)]


def test_pipe_label_with_spaces_is_one_cell():
    assert cells("商业 企业 |\n5 |") == [("商业 企业", LABEL), ("5", VALUE)]


def test_line_numbers_are_offset():
    found = cells_of(["规章 |", "", "7 |"], first_line_no=100)
    assert [(c.text, c.line_no) for c in found] == [("规章", 100), ("7", 102)]


# --- the blank-line layout ---------------------------------------------------------------------


def test_blank_line_layout():
    lines = ["规章", "", "0", "", "\xa0", "", " ", "", "3"]
    assert [(c.text, c.kind, c.line_no) for c in cells_of(lines)] == [
        ("规章", LABEL, 0),
        ("0", VALUE, 2),
        ("", VALUE, 4),
        ("", VALUE, 6),
        ("3", VALUE, 8),
    ]
    assert [c.is_blank_value for c in cells_of(lines)] == [False, False, True, True, False]


def test_blank_line_layout_empty_lines_only_separate():
    assert cells("规范性文件\n\n51\n\n\n2") == [("规范性文件", LABEL), ("51", VALUE), ("2", VALUE)]


# --- sections ----------------------------------------------------------------------------------

REPORT = """苏州市人民政府2020年政府信息公开工作年度报告
一、总体情况
（二）主动公开方面，本年共主动公开信息1000条。
二、主动公开政府信息情况
规章 | 1 | 1 | 28 |
三、收到和处理政府信息公开申请情况
一、本年新收政府信息公开申请数量 | 1 |
三、本年度办理结果 |
5.属于三类内部事务信息 | 0 |
四、结转下年度继续办理 | 0 |
四、政府信息公开行政复议、行政诉讼情况
0 | 0 |
五、存在的主要问题及改进情况
问题。
六、其他需要报告的事项
无。"""


def test_find_sections_boundaries():
    lines = REPORT.split("\n")
    sections = find_sections(lines)
    assert sorted(sections) == ["applications", "article20", "review_litigation"]
    a20, apps, review = sections["article20"], sections["applications"], sections["review_litigation"]
    assert (a20.heading, a20.start, a20.end) == ("二、主动公开政府信息情况", 4, 5)
    assert (apps.heading, apps.start, apps.end) == ("三、收到和处理政府信息公开申请情况", 6, 10)
    assert (review.heading, review.start, review.end) == ("四、政府信息公开行政复议、行政诉讼情况", 11, 12)


def test_table_row_labels_are_not_headings():
    lines = REPORT.split("\n")
    apps = find_sections(lines)["applications"]
    inside = lines[apps.start:apps.end]
    assert "三、本年度办理结果 |" in inside
    assert "5.属于三类内部事务信息 | 0 |" in inside
    assert "四、结转下年度继续办理 | 0 |" in inside


def test_heading_wording_varies():
    lines = [
        "二、行政机关主动公开政府信息情况",
        "x",
        "三、收到和处理政府信息公开申请情况",
        "y",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼的情况",
        "z",
        "五、政府信息公开工作存在的主要问题及改进情况",
    ]
    sections = find_sections(lines)
    assert [(s.start, s.end) for s in sections.values()] == [(1, 2), (3, 4), (5, 6)]


def test_last_section_runs_to_the_end_without_part_five():
    lines = ["四、政府信息公开行政复议、行政诉讼情况", "0 |", "1 |"]
    assert (find_sections(lines)["review_litigation"].start, find_sections(lines)["review_litigation"].end) == (1, 3)


def test_no_headings_no_sections():
    assert find_sections(["一、总体情况", "本年度主动公开信息。"]) == {}


def test_markdown_row_with_a_leading_bar_has_no_empty_first_cell():
    assert [(c.text, c.kind) for c in cells_of(["| 规章 | 0 | 3 |"])] == [
        ("规章", "label"), ("0", "value"), ("3", "value"),
    ]
