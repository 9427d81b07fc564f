"""The national templates' tables: which labels mean which cell, and the codes of VOCABULARY.md.

Labels are matched on normalised text (etl.labels.normalise_label): simplified characters,
no white space, ASCII brackets.
"""

from __future__ import annotations

from dataclasses import dataclass

PRE2019 = "pre2019"
T2019 = "2019"
T2021 = "2021"
NATIONAL_TEMPLATES = (T2019, T2021)


# --- Article 20 (主动公开) -------------------------------------------------------------------


@dataclass(frozen=True)
class Article20Row:
    item: str
    category: str
    labels: tuple[str, ...]  # normalised labels that name this row
    metrics: tuple[str, ...]
    column_labels: tuple[str, ...]  # the template's own column labels, used when the report's are unclear
    money_metric: str | None = None  # the metric that is money, reported in 万元


_RULES_2019 = ("made_this_year", "published_this_year", "total_published")
_RULES_2019_LABELS = ("本年新制作数量", "本年新公开数量", "对外公开总数量")
_ITEMS_2019 = ("items_prev_year", "items_change", "decisions")
_ITEMS_2019_LABELS = ("上一年项目数量", "本年增/减", "处理决定数量")
_RULES_2021 = ("issued_this_year", "repealed_this_year", "in_force")
_RULES_2021_LABELS = ("本年制发件数", "本年废止件数", "现行有效件数")

ARTICLE20_ROWS: dict[str, tuple[Article20Row, ...]] = {
    T2019: (
        Article20Row("20.1", "rules", ("规章",), _RULES_2019, _RULES_2019_LABELS),
        Article20Row("20.1", "normative_documents", ("规范性文件", "行政规范性文件"), _RULES_2019, _RULES_2019_LABELS),
        Article20Row("20.5", "licensing", ("行政许可",), _ITEMS_2019, _ITEMS_2019_LABELS),
        Article20Row("20.5", "other_services", ("其他对外管理服务事项",), _ITEMS_2019, _ITEMS_2019_LABELS),
        Article20Row("20.6", "penalty", ("行政处罚",), _ITEMS_2019, _ITEMS_2019_LABELS),
        Article20Row("20.6", "enforcement", ("行政强制",), _ITEMS_2019, _ITEMS_2019_LABELS),
        Article20Row("20.8", "fees", ("行政事业性收费",), _ITEMS_2019[:2], _ITEMS_2019_LABELS[:2]),
        Article20Row(
            "20.9", "procurement", ("政府集中采购",), ("projects", "amount"), ("采购项目数量", "采购总金额"),
            money_metric="amount",
        ),
    ),
    T2021: (
        Article20Row("20.1", "rules", ("规章",), _RULES_2021, _RULES_2021_LABELS),
        Article20Row("20.1", "normative_documents", ("行政规范性文件", "规范性文件"), _RULES_2021, _RULES_2021_LABELS),
        Article20Row("20.5", "licensing", ("行政许可",), ("decisions",), ("本年处理决定数量",)),
        Article20Row("20.6", "penalty", ("行政处罚",), ("decisions",), ("本年处理决定数量",)),
        Article20Row("20.6", "enforcement", ("行政强制",), ("decisions",), ("本年处理决定数量",)),
        Article20Row(
            "20.8", "fees", ("行政事业性收费",), ("fee_amount",), ("本年收费金额(单位:万元)",),
            money_metric="fee_amount",
        ),
    ),
}


# --- Applications (收到和处理政府信息公开申请) ----------------------------------------------------

APPLICANTS: tuple[str, ...] = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
APPLICANT_LABELS: dict[str, str] = {
    "natural_person": "自然人",
    "commercial_enterprise": "商业企业",
    "research_institution": "科研机构",
    "social_welfare_org": "社会公益组织",
    "legal_service_org": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}


@dataclass(frozen=True)
class ApplicationRow:
    code: str
    label: str  # the template's label
    keywords: tuple[str, ...]  # all must occur in the normalised label
    follows: tuple[str, ...] = ()  # for generic words (总计, 其他): codes the previous row must start with


_APPLICATION_HEAD = (
    ApplicationRow("1", "一、本年新收政府信息公开申请数量", ("本年新收",)),
    ApplicationRow("2", "二、上年结转政府信息公开申请数量", ("上年结转",)),
    ApplicationRow("3.1", "(一)予以公开", ("予以公开",)),
    ApplicationRow("3.2", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", ("部分公开",)),
    ApplicationRow("3.3.1", "1.属于国家秘密", ("国家秘密",)),
    ApplicationRow("3.3.2", "2.其他法律行政法规禁止公开", ("禁止公开",)),
    ApplicationRow("3.3.3", "3.危及“三安全一稳定”", ("三安全一稳定",)),
    ApplicationRow("3.3.4", "4.保护第三方合法权益", ("第三方合法权益",)),
    ApplicationRow("3.3.5", "5.属于三类内部事务信息", ("内部事务",)),
    ApplicationRow("3.3.6", "6.属于四类过程性信息", ("过程性信息",)),
    ApplicationRow("3.3.7", "7.属于行政执法案卷", ("执法案卷",)),
    ApplicationRow("3.3.8", "8.属于行政查询事项", ("行政查询",)),
    ApplicationRow("3.4.1", "1.本机关不掌握相关政府信息", ("不掌握",)),
    ApplicationRow("3.4.2", "2.没有现成信息需要另行制作", ("另行制作",)),
    ApplicationRow("3.4.3", "3.补正后申请内容仍不明确", ("补正后",)),
    ApplicationRow("3.5.1", "1.信访举报投诉类申请", ("信访",)),
    ApplicationRow("3.5.2", "2.重复申请", ("重复申请",)),
    ApplicationRow("3.5.3", "3.要求提供公开出版物", ("公开出版物",)),
    ApplicationRow("3.5.4", "4.无正当理由大量反复申请", ("大量反复",)),
    ApplicationRow("3.5.5", "5.要求行政机关确认或重新出具已获取信息", ("重新出具",)),
)
_APPLICATION_TAIL = (
    ApplicationRow("3.7", "(七)总计", ("总计",), follows=("3.6",)),
    ApplicationRow("4", "四、结转下年度继续办理", ("结转下年度",)),
)

APPLICATION_ROWS: dict[str, tuple[ApplicationRow, ...]] = {
    T2019: _APPLICATION_HEAD + (ApplicationRow("3.6", "(六)其他处理", ("其他处理",)),) + _APPLICATION_TAIL,
    T2021: _APPLICATION_HEAD
    + (
        ApplicationRow("3.6.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ("逾期不补正",)),
        ApplicationRow("3.6.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ("缴纳费用",)),
        ApplicationRow("3.6.3", "3.其他", ("其他",), follows=("3.6.",)),
    )
    + _APPLICATION_TAIL,
}

# Rows whose values add up to （七）总计 in every column.
def outcome_rows(template: str) -> tuple[str, ...]:
    return tuple(
        row.code for row in APPLICATION_ROWS[template] if row.code.startswith("3.") and row.code != "3.7"
    )


# --- Review and litigation (行政复议、行政诉讼) ---------------------------------------------------

PROCEEDINGS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
PROCEEDING_LABELS = {
    "review": "行政复议",
    "litigation_direct": "行政诉讼/未经复议直接起诉",
    "litigation_after_review": "行政诉讼/复议后起诉",
}
OUTCOMES: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
OUTCOME_LABELS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}


# --- Telling the templates apart ------------------------------------------------------------

# Labels only one national template prints (normalised). Reports are classified by these, not by
# their year: a 2021 report may still use the 2019 table and the other way round.
MARKERS_2021 = (
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "本年处理决定数量",
    "本年收费金额",
    "逾期不补正",
    "收费通知要求缴纳费用",
)
MARKERS_2019 = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "其他对外管理服务事项",
    "采购项目数量",
    "采购总金额",
    "政府集中采购",
    "第二十条第(九)项",
)
# Labels both national templates print: a report with these and neither set above used one of them.
MARKERS_NATIONAL = (
    "本年新收政府信息公开申请数量",
    "上年结转政府信息公开申请数量",
    "第一项加第二项之和",
    "结转下年度继续办理",
    "未经复议直接起诉",
    "第二十条第(一)项",
)
