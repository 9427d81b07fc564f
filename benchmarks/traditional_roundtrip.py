"""Round trip of the simplified seeds through OpenCC's traditional conversions and back.

    .venv/bin/python benchmarks/traditional_roundtrip.py            # the benchmark
    .venv/bin/python benchmarks/traditional_roundtrip.py --diffs    # ... with the differences left
    .venv/bin/python benchmarks/traditional_roundtrip.py --derive   # regenerate the phrase table

Each simplified seed (tests/fixtures/seeds, those etl.chinese leaves unconverted) goes through
OpenCC s2t, s2twp and s2hk and back through etl.chinese.to_simplified. For each round trip it prints
the label recovery (the table labels of etl/templates.py and the section headings present in the
seed that are present again afterwards, counting repeats; must be 100%), the share of characters
that differ from the original (character alignment, so length changes are tolerated; goal under
0.1%), the conversion recorded and the time taken. Exit status 1 if any label recovery is below
100%.

--derive rebuilds data/chinese/taiwan_phrases.tsv from OpenCC's own TWPhrases dictionary (see
derive_table) and prints the Hong Kong variant characters etl.chinese._HK_VARIANTS should hold.
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import opencc  # noqa: E402

from etl import chinese  # noqa: E402
from etl import templates as t  # noqa: E402
from etl.labels import compact, normalise_label  # noqa: E402

SEEDS = REPO / "tests" / "fixtures" / "seeds"
CONFIGS = ("s2t", "s2twp", "s2hk")
GOAL_SHARE = 0.001

# The six parts of a report (TEMPLATES.md), in the national wording.
SECTION_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)


# --- measures ----------------------------------------------------------------------------------


def table_labels() -> tuple[str, ...]:
    """Every label of etl/templates.py and the section headings, normalised like a report's text."""
    labels: set[str] = set()
    for rows in t.ARTICLE20_ROWS.values():
        for row in rows:
            labels.update(row.labels)
            labels.update(row.column_labels)
    for rows in t.APPLICATION_ROWS.values():
        for row in rows:
            labels.add(row.label)
            labels.update(row.keywords)
    labels.update(t.APPLICANT_LABELS.values())
    for label in t.PROCEEDING_LABELS.values():
        labels.update(label.split("/"))
    labels.update(t.OUTCOME_LABELS.values())
    labels.update(t.MARKERS_2019 + t.MARKERS_2021 + t.MARKERS_NATIONAL)
    labels.update(SECTION_HEADINGS)
    return tuple(sorted(normalise_label(label) for label in labels if label))


def label_recovery(original: str, back: str, labels: tuple[str, ...]) -> tuple[int, int]:
    """(occurrences found again, occurrences in the original) over all labels."""
    original, back = compact(original), compact(back)
    present = recovered = 0
    for label in labels:
        count = original.count(label)
        if count:
            present += count
            recovered += min(count, back.count(label))
    return recovered, present


def differences(original: str, back: str) -> list[tuple[str, str, int]]:
    """The differing stretches under a character alignment: (original, back, characters), each
    stretch shown with three characters of context either side.

    Lines are aligned first (the conversions keep line breaks), then characters within lines."""
    found: list[tuple[str, str, int]] = []
    a_lines, b_lines = original.split("\n"), back.split("\n")
    if len(a_lines) != len(b_lines):
        a_lines, b_lines = [original], [back]
    for a, b in zip(a_lines, b_lines):
        if a == b:
            continue
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op != "equal":
                found.append((a[max(0, i1 - 3):i2 + 3], b[max(0, j1 - 3):j2 + 3], max(i2 - i1, j2 - j1)))
    return found


def differing_chars(original: str, back: str) -> int:
    return sum(count for _, _, count in differences(original, back))


@dataclass
class RoundTrip:
    seed: str
    config: str
    conversion: str
    recovered: int
    present: int
    differing: int
    length: int
    seconds: float
    diffs: list[tuple[str, str, int]]

    @property
    def recovery(self) -> float:
        return self.recovered / self.present if self.present else 1.0

    @property
    def share(self) -> float:
        return self.differing / max(self.length, 1)


def simplified_seeds(directory: Path = SEEDS) -> list[Path]:
    """The seeds etl.chinese leaves as they are (000 is printed in traditional characters)."""
    return [
        path for path in sorted(directory.glob("*.txt"))
        if chinese.to_simplified(path.read_text(encoding="utf-8")).conversion == chinese.NO_CONVERSION
    ]


def round_trip(path: Path, config: str, labels: tuple[str, ...], table=None) -> RoundTrip:
    original = path.read_text(encoding="utf-8")
    traditional = opencc.OpenCC(config).convert(original)
    started = time.perf_counter()
    back = chinese.to_simplified(traditional, table)
    seconds = time.perf_counter() - started
    recovered, present = label_recovery(original, back.text, labels)
    diffs = differences(original, back.text)
    return RoundTrip(
        path.name, config, back.conversion, recovered, present, sum(d[2] for d in diffs), len(original),
        seconds, diffs,
    )


def benchmark(show_diffs: bool) -> int:
    labels = table_labels()
    results = []
    print(f"{'seed':<26} {'via':<6} {'conversion recorded':<28} {'labels':>14} {'differing':>16} {'ms':>7}")
    for path in simplified_seeds():
        for config in CONFIGS:
            r = round_trip(path, config, labels)
            results.append(r)
            print(
                f"{r.seed:<26} {r.config:<6} {r.conversion:<28} "
                f"{r.recovered:>4}/{r.present:<4} {r.recovery:>6.1%} "
                f"{r.differing:>5} {r.share:>9.3%} {r.seconds * 1000:>7.1f}"
            )
            if show_diffs:
                for original, back, _ in r.diffs:
                    print(f"{'':<34}{original!r} → {back!r}")
    if not results:
        print("no simplified seeds found")
        return 1
    worst_recovery = min(results, key=lambda r: r.recovery)
    worst_share = max(results, key=lambda r: r.share)
    print(
        f"worst label recovery {worst_recovery.recovery:.1%} ({worst_recovery.seed} via {worst_recovery.config}); "
        f"worst differing share {worst_share.share:.3%} ({worst_share.seed} via {worst_share.config}, "
        f"goal < {GOAL_SHARE:.1%}); slowest conversion {max(r.seconds for r in results) * 1000:.1f} ms"
    )
    return 0 if all(r.recovered == r.present for r in results) else 1


# --- deriving data/chinese/taiwan_phrases.tsv --------------------------------------------------

# Taiwan forms (after t2s) that OpenCC's TWPhrases produces but that are ordinary mainland words in
# their own right: reversing them would damage mainland text (执行 → 运行, 效能 → 性能, 文件 → 文档,
# 建立 → 创建, 新增 → 添加, 工作简讯 → 工作短信, 哈萨克族 → 哈萨克斯坦族). Some of their reversals come
# back in context through etl.chinese.PROJECT_WORDS (权力执行 → 权力运行).
MAINLAND_WORDS = frozenset("""
执行 效能 文件 程序 建立 整合 互动 互动式 查询 新增 核心 智慧 开启 通道 通讯 影像 序列 连线 呼叫 指标
复制 启用 停用 批次 向量 外接 载入 取样 检视 扩音 区域性 模拟 储存 即时 高阶 介面 元件 桌布 塑胶 冰棒
回拨 堆叠 宕机 列举 冷盘 失智症 离线 存档 图示 拨出 阵列 截图 简报 通话记录 过载 重新整理 优先顺序
忧郁症 低阶 录影 乳酪 简讯 防毒 汇入 汇出 变数 卷轴 泡面 遮蔽 映象 自闭症 血红素 狮子山 罗德岛 哈萨克
塔吉克 全域性 解析度 许可权
""".split())

# Taiwan forms whose characters also occur side by side where two mainland words meet: a reversal
# would cut through them. Every two-character form is presumed to be one (许多工作 ⊃ 多工, 国内建设 ⊃
# 内建, 重点选择 ⊃ 点选, 体系结构 ⊃ 系结, 旅游标准 ⊃ 游标) unless TWO_CHARACTER_FORMS lists it.
STRADDLING = frozenset("""
执行长 技术长 营运长 资讯长 工作列 状态列 数据机
""".split())

# Two-character Taiwan forms checked one by one: Taiwan-only words that do not arise where two
# mainland words meet (or whose exceptions etl.chinese.PROJECT_WORDS keeps: 档案馆, 线上线下).
TWO_CHARACTER_FORMS = frozenset("""
资讯 释出 专案 软体 硬体 网路 萤幕 视窗 设定 社群 稽核 联络 资料 档案 线上 支援 程式 晶片 登入 讯息
讯号 音讯 影片 字型 搜寻 列印 影印 模组 装置 物件 相容 宽频 频宽 骇客 雷射 奈米 滑鼠 硬碟 磁碟 光碟
远端 连结 传送 宣告 预设 函式 机率 韧体 A肝 B肝 C肝 D肝 E肝 咖哩 榴梿 网咖 金钥 丛集 伫列 巢状 感测
撷取 档名 烧录 触控 重灌 页首 页尾 胰脏 碟片 磁轨 型别
""".split())

# Taiwan forms that OpenCC maps back to several mainland words: the one to use.
PREFERRED = {"预设": "默认", "计程车": "出租车", "超音波": "超声波", "机率": "概率", "网际网路": "互联网"}


def _opencc_dictionary(name: str) -> list[tuple[str, list[str]]]:
    """An OpenCC dictionary of the installed package as (key, values), via its opencc_dict tool."""
    base = Path(opencc.__file__).resolve().parent / "clib"
    with tempfile.TemporaryDirectory() as directory:
        text = Path(directory) / f"{name}.txt"
        subprocess.run(
            [str(base / "bin" / "opencc_dict"), "-i", str(base / "share" / "opencc" / f"{name}.ocd2"),
             "-o", str(text), "-f", "ocd2", "-t", "text"],
            check=True, capture_output=True,
        )
        rows = []
        for line in text.read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t")
            rows.append((key, values.split(" ")))
    return rows


def corpus() -> list[str]:
    """Mainland text: the simplified seeds and the template labels, one a line."""
    return [path.read_text(encoding="utf-8") for path in simplified_seeds()] + ["\n".join(table_labels())]


def candidate_table() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Reverse of OpenCC's TWPhrases after the filters of derive_table, and what each filter dropped."""
    t2s = opencc.OpenCC("t2s")
    twphrases = _opencc_dictionary("TWPhrases")
    reverse: dict[str, set[str]] = {}
    protected: set[str] = set()
    mainland_keys = {t2s.convert(key) for key, values in twphrases if t2s.convert(values[0]) != t2s.convert(key)}
    for key, values in twphrases:
        taiwan, mainland = t2s.convert(values[0]), t2s.convert(key)
        if taiwan == mainland:
            protected.add(taiwan)  # OpenCC keeps it whole on purpose (方程式): so do we
        else:
            reverse.setdefault(taiwan, set()).add(mainland)
    texts = corpus()
    project = chinese.project_entries()
    dropped: dict[str, list[str]] = {}
    table: dict[str, str] = {}
    for taiwan, mainlands in sorted(reverse.items()):
        if len(taiwan) < 2:
            reason = "one character"
        elif taiwan in MAINLAND_WORDS:
            reason = "ordinary mainland word (MAINLAND_WORDS)"
        elif taiwan in STRADDLING or (len(taiwan) == 2 and taiwan not in TWO_CHARACTER_FORMS):
            reason = "may straddle two mainland words (STRADDLING, TWO_CHARACTER_FORMS)"
        elif taiwan in mainland_keys:
            reason = "a mainland word OpenCC itself converts for Taiwan"
        elif len(mainlands) > 1 and taiwan not in PREFERRED and not _shortest_within_others(mainlands):
            reason = "several mainland words"
        elif _alters(taiwan, PREFERRED.get(taiwan) or min(mainlands, key=len), texts, project):
            reason = "changes the simplified seeds or labels (beyond etl.chinese.PROJECT_WORDS)"
        else:
            table[taiwan] = PREFERRED.get(taiwan) or min(mainlands, key=len)
            continue
        dropped.setdefault(reason, []).append(taiwan)
    for word in protected:
        table.setdefault(word, word)
    # A mainland word containing a Taiwan form (乌兹别克斯坦 ⊃ 乌兹别克) is kept whole.
    for mainland in set(table.values()):
        if any(taiwan in mainland and taiwan != mainland for taiwan in table):
            table.setdefault(mainland, mainland)
    return table, dropped


def _shortest_within_others(words: set[str]) -> bool:
    """以太网 within 以太网路 and 以太网络: the shortest is the word the others extend."""
    shortest = min(words, key=len)
    return all(shortest in word for word in words)


def _alters(taiwan: str, mainland: str, texts: list[str], project: dict[str, str]) -> bool:
    """Whether reversing taiwan → mainland, under the project's vocabulary, changes mainland text."""
    if not any(taiwan in text for text in texts):
        return False
    table = chinese.PhraseTable({**{taiwan: mainland}, **project}, frozenset())
    return any(table.apply(text)[0] != text for text in texts if taiwan in text)


def _corpus_difference(table: dict[str, str], trips: list[tuple[str, str]]) -> int:
    phrases = chinese.build_phrase_table(table)
    return sum(differing_chars(original, chinese.to_simplified(taiwan, phrases).text) for original, taiwan in trips)


def derive_table() -> tuple[dict[str, str], dict[str, list[str]]]:
    """OpenCC's TWPhrases reversed, keeping a reversal only when it is safe.

    1. Every TWPhrases entry (mainland → Taiwan, first Taiwan form) gives a reversal Taiwan → mainland,
       both sides through t2s. Entries OpenCC maps to themselves (方程式) are kept as guards.
    2. Dropped: one-character Taiwan forms; Taiwan forms that are ordinary mainland words
       (MAINLAND_WORDS, or a mainland word OpenCC itself converts, such as 程序 or 文件); Taiwan forms
       that may straddle two mainland words (STRADDLING, two-character forms not in
       TWO_CHARACTER_FORMS); Taiwan forms with several mainland words unless PREFERRED names one or
       the others extend the shortest; Taiwan forms whose reversal changes the mainland corpus (the
       simplified seeds and the template labels) beyond the exceptions of etl.chinese.PROJECT_WORDS.
    3. The simplified seeds and labels go through s2twp and back with the table and the project's
       vocabulary; a reversal whose removal lowers the number of differing characters is dropped.
    """
    table, dropped = candidate_table()
    t2s, s2twp = opencc.OpenCC("t2s"), opencc.OpenCC("s2twp")
    trips = [(text, s2twp.convert(text)) for text in corpus()]
    fired = [key for key, value in table.items() if key != value and any(key in t2s.convert(tw) for _, tw in trips)]
    best = _corpus_difference(table, trips)
    for key in fired:
        without = {k: v for k, v in table.items() if k != key}
        score = _corpus_difference(without, trips)
        if score < best:
            table, best = without, score
            dropped.setdefault("round trip of the seeds: more differences with it than without", []).append(key)
    return table, dropped


def hk_variants() -> dict[str, str]:
    """Characters OpenCC's hk2s changes and t2s leaves alone."""
    chars = [chr(c) for c in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00))]
    joined = "\n".join(chars)
    plain = opencc.OpenCC("t2s").convert(joined).split("\n")
    hk = opencc.OpenCC("hk2s").convert(joined).split("\n")
    return {c: h for c, p, h in zip(chars, plain, hk) if p == c and h != c}


HEADER = """\
# Taiwan phrasing → mainland wording, both after OpenCC t2s, as etl/chinese.py applies it (longest
# match first) to text that shows Taiwan phrasing. Derived from OpenCC {version}'s TWPhrases dictionary
# by benchmarks/traditional_roundtrip.py --derive (see derive_table there); do not edit by hand:
# change MAINLAND_WORDS / PREFERRED there, or etl.chinese.PROJECT_WORDS, and regenerate:
#     .venv/bin/python benchmarks/traditional_roundtrip.py --derive
# Rows whose two sides are equal keep a word whole (方程式, 乌兹别克斯坦).
# {count} rows; dropped: {dropped}.
"""


def derive() -> int:
    table, dropped = derive_table()
    version = getattr(opencc, "__version__", "?")
    lines = [f"{taiwan}\t{mainland}" for taiwan, mainland in sorted(table.items())]
    summary = "; ".join(f"{reason} {len(words)}" for reason, words in dropped.items())
    chinese.PHRASE_TABLE_PATH.parent.mkdir(parents=True, exist_ok=True)
    chinese.PHRASE_TABLE_PATH.write_text(
        HEADER.format(version=version, count=len(lines), dropped=summary) + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {len(lines)} rows to {chinese.PHRASE_TABLE_PATH.relative_to(REPO)}")
    for reason, words in dropped.items():
        print(f"dropped, {reason} ({len(words)}): {' '.join(words)}")
    print(f"Hong Kong variants t2s leaves (etl.chinese._HK_VARIANTS): {hk_variants()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--derive", action="store_true", help="regenerate data/chinese/taiwan_phrases.tsv")
    parser.add_argument("--diffs", action="store_true", help="print the differences left by each round trip")
    args = parser.parse_args(argv)
    if args.derive:
        return derive()
    return benchmark(args.diffs)


if __name__ == "__main__":
    sys.exit(main())
