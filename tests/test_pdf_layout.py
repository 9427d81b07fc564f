"""etl.formats.pdf_layout on hand-made characters and ruling lines (no PDF involved)."""

from __future__ import annotations

from etl.formats.pdf_layout import Char, Edge, dedupe_chars, find_tables, merge_edges, text_lines


def char(text: str, x0: float, top: float, size: float = 10) -> Char:
    return Char(text, x0, x0 + size, top, top + size, size)


def test_dedupe_keeps_the_first_of_twins_and_the_order():
    a, b, c = char("规", 10, 10), char("章", 20, 10), char("规", 10.6, 10.4)  # c: a fake-bold twin of a
    d = char("规", 12, 10)  # 2 pt away: another character
    assert dedupe_chars([a, b, c, d]) == [a, b, d]
    assert dedupe_chars([c, a]) == [c]
    assert len(dedupe_chars([char("0", 10, 10), char("0", 10, 10, size=12)])) == 2  # another size: no twin


def test_text_lines_cluster_by_top_and_split_words_at_gaps_and_blanks():
    chars = [char("年", 20, 100.5), char("本", 10, 100), char("报", 10, 130), char("A", 40, 101),
             char(" ", 50, 100), char("B", 60, 100)]
    lines = text_lines(chars)
    assert [line.text for line in lines] == ["本年 A B", "报"]
    assert (lines[0].x0, lines[0].x1, lines[0].top) == (10, 70, 100)
    assert [c.text for c in lines[0].chars] == ["本", "年", "A", "B"]  # blanks are no characters of the line


def h(y, x0, x1):
    return Edge(True, y, x0, x1)


def v(x, top, bottom):
    return Edge(False, x, top, bottom)


def test_edges_snap_join_and_short_ones_go():
    horizontals, verticals = merge_edges([h(10, 0, 50), h(11.5, 52, 100), h(40, 0, 2), v(0, 10, 40)])
    assert [(e.at, e.start, e.end) for e in horizontals] == [(10.75, 0, 100)]  # snapped to the average, joined
    assert [(e.at, e.start, e.end) for e in verticals] == [(0, 10, 40)]


def test_a_merged_cell_is_one_cell_and_covers_its_positions():
    # Two columns, two rows; the left column's cell spans both rows (no line between them there).
    edges = [h(0, 0, 200), h(20, 100, 200), h(40, 0, 200), v(0, 0, 40), v(100, 0, 40), v(200, 0, 40)]
    tables = find_tables(edges)
    assert len(tables) == 1
    table = tables[0]
    assert table.bbox == (0, 0, 200, 40)
    chars = [char("合", 10, 15), char("并", 20, 15), char("1", 110, 5), char("2", 110, 25)]
    assert table.extract(chars) == [["合并", "1"], [None, "2"]]


def test_a_lone_frame_is_no_table():
    assert find_tables([h(0, 0, 100), h(50, 0, 100), v(0, 0, 50), v(100, 0, 50)]) == []
