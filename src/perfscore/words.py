"""Every word perfscore says to people, in Chinese and English, in one place.

A reviewer reads all the wording here, each entry with its two languages side by side; code
asks for a table by language (``words.TERMINAL["zh"]["total"]``) or renders a message template
(``words.say(words.ENGINE, "zh", "indicator_error", title=..., reason=...)``).

The seam for a run's language: :data:`LANGS`, :data:`DEFAULT_LANG` and :func:`language`, which
every consumer uses to read ``ExportOptions.lang`` (and, later, ``--lang``).  Ids, statuses and
codes stay ASCII and are not words: they never pass through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

__all__ = [
    "CLI",
    "DEFAULT_LANG",
    "ENGINE",
    "HTML",
    "LANGS",
    "MARKDOWN",
    "OUTCOME",
    "SARIF",
    "STANDING",
    "TERMINAL",
    "VALUES",
    "XLSX_DETAIL",
    "XLSX_SHEET",
    "XLSX_SUMMARY",
    "Lang",
    "Table",
    "language",
    "say",
]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

#: ``table[lang][key]`` — one language's words of one table.
Table = Mapping[str, Mapping[str, str]]


def language(lang: str | None) -> Lang:
    """The language a run speaks: ``lang`` when perfscore knows it, else the default (zh)."""
    return "en" if lang == "en" else DEFAULT_LANG


def _table(**entries: tuple[str, str]) -> Table:
    """Entries written ``key=("中文", "English")``; read as ``table[lang][key]``."""
    return MappingProxyType(
        {
            lang: MappingProxyType({k: pair[i] for k, pair in entries.items()})
            for i, lang in enumerate(LANGS)
        }
    )


def _columns(*pairs: tuple[str, str]) -> Mapping[str, tuple[str, ...]]:
    """Column headings written ``("中文", "English")`` in order; read as ``cols[lang]``."""
    return MappingProxyType({lang: tuple(p[i] for p in pairs) for i, lang in enumerate(LANGS)})


def say(table: Table, lang: str, key: str, /, **fields: object) -> str:
    """The message ``key`` of ``table`` in ``lang``, its ``{fields}`` filled in."""
    return table[language(lang)][key].format(**fields)


# -- outcomes and values -----------------------------------------------------------------------

#: A finding's outcome, as people read it (the ids pass/fail/... stay in machine formats).
OUTCOME = _table(
    **{
        "pass": ("达标", "pass"),
        "fail": ("未达标", "fail"),
        "not_applicable": ("不适用", "n/a"),
        "error": ("错误", "error"),
    }
)

#: How a value is shown in a message (booleans).
VALUES = _table(true=("是", "yes"), false=("否", "no"))

# -- the engine's messages (findings, reasons, grades) ----------------------------------------

#: Message templates of findings and reasons; ``{title}`` is the rule's title in that language.
ENGINE = _table(
    # what stops a rule: a field, a metric, a condition (the "reason" of a finding)
    field_invalid=("数据有误：{title}（{name}）：{problem}", "field '{name}': {problem}"),
    field_missing=("缺少数据：{title}（{name}）", "no data for '{name}'"),
    metric_zero=("{title}（{name}）的分母为零", "'{name}' divides by zero"),
    metric_error=("{title}（{name}）无法计算：{problem}", "'{name}': {problem}"),
    join=("；", "; "),
    condition_false=("条件 {condition} 不成立", "condition {condition} is false"),
    check_condition_false=("条件 {condition} 不成立", "{condition} is false"),
    division_by_zero=("分母为零", "division by zero"),
    cannot_score=("无法评分：{problem}", "{problem}"),
    cannot_check=("无法检查：{problem}", "{problem}"),
    waived=(
        "已豁免：{reason}（批准：{approved_by}）",
        "waived: {reason} (approved by {approved_by})",
    ),
    aggregation_failed=("汇总无法得出结果：{problem}", "{problem}"),
    # an indicator's finding
    indicator_error=("{title}：无法评分（{reason}）", "{title}: cannot be scored ({reason})"),
    indicator_na=("{title}：不适用（{reason}）", "{title}: not applicable ({reason})"),
    standard=("（标准 {threshold}）", " (standard {threshold})"),
    graded=(
        "{title}{value}{standard}，评级 {grade}",
        "{title}{colon}{value}{standard}, grade {grade}",
    ),
    scored_by_rule=("（{reason}，按规则计分）", " ({reason}; scored by rule)"),
    met=("达标", "met"),
    not_met=("未达标", "not met"),
    scored=(
        "{title}{value}{standard}，{verdict}，得 {points}/{weight} 分{extra}",
        "{title}{colon}{value}{standard}, {verdict}, {points}/{weight} points{extra}",
    ),
    # a check's finding
    equal_ok=("{title}：{left} = {right}，一致", "{title}: {left} = {right}, consistent"),
    equal_fail=(
        "{title}：{left} ≠ {right}（相差 {difference}，容差 {tolerance}）",
        "{title}: {left} ≠ {right} (differs by {difference}, tolerance {tolerance})",
    ),
    assert_ok=("{title}：通过", "{title}: holds ({expr})"),
    assert_fail=("{title}：未通过", "{title}: does not hold ({expr})"),
    explain_not_needed=("{title}：无需说明", "{title}: no explanation needed"),
    explained=("{title}：已说明（{field_title}）", "{title}: explained ({field})"),
    not_explained=(
        "{title}：条件 {condition} 成立，但未提供“{field_title}”",
        "{title}: {condition} holds but no {field} was given",
    ),
    # the {reason} a rule set's own message template gets (today the English text in both)
    explanation_missing=("缺少 {field}", "missing {field}"),
    check_error=("{title}：无法检查（{reason}）", "{title}: cannot be checked ({reason})"),
    check_na=("{title}：不适用（{reason}）", "{title}: not applicable ({reason})"),
    # waivers of checks, totals and grades
    waiver_exclude=("豁免", "waived"),
    waiver_met=("豁免（视同通过）", "waived (counted as met)"),
    check_waived=("{title}：{word}：{reason}", "{title}: waived ({effect}): {reason}"),
    no_total=("无法计算总分：{reason}", "total cannot be computed: {reason}"),
    nothing_applies=("没有适用的指标", "no indicator applies"),
    low_coverage=(
        "有数据可评分的权重仅占 {have}%，评级至少需要 {need}%",
        "only {have}% of the weight was scored from data; a grade needs {need}%",
    ),
    forced_grade=("强制评级：{condition}", "override: {condition}"),
)

# -- people's formats ----------------------------------------------------------------------------

#: A total with what stands behind it (every people's format): earned / scorable / maximum.
STANDING = _table(
    earned=("实得", "earned"),
    scorable=("可评", "scorable"),
    max=("满分", "max"),
    coverage=("数据覆盖", "coverage"),
    no_total=("无总分", "no total"),
    ungraded=("不评级，不参与排名", "no grade, not ranked"),
    no_reason=("没有等级", "no grade"),
    ranked=("参与排名", "ranked"),
    comma=("，", ", "),
    score=("{total}（{detail}）", "{total} ({detail})"),
)

#: The terminal table (``--format table``).
TERMINAL = _table(
    indicator=("指标", "Indicator"),
    value=("值", "Value"),
    points=("得分/权重", "Points/weight"),
    outcome=("结果", "Outcome"),
    check=("检查", "Check"),
    message=("说明", "Message"),
    total=("总分", "Total"),
    grade=("等级", "Grade"),
    no_grade=("不评级", "no grade"),
    coverage=("有数据的权重占比", "weight scored from data"),
    subject=("评价对象", "Subject"),
    why_no_grade=("（{reason}）", " ({reason})"),
    check_prefix=("{title}：", "{title}: "),
)

#: The Markdown summary.
MARKDOWN = _table(
    subject=("评价对象", "Subject"),
    id=("编号", "ID"),
    total=("总分", "Total"),
    grade=("等级", "Grade"),
    coverage=("有数据的权重", "Weight scored"),
    fail=("未达标", "Failed"),
    error=("错误", "Errors"),
    no_grade=("不评级", "no grade"),
    nothing=("没有未达标或错误的指标。", "Nothing failed and nothing could not be evaluated."),
    findings=("需要关注", "Needs attention"),
    severity=("严重程度", "severity"),
    rank=("排名", "Rank"),
    unranked=("不评级，不参与排名", "No grade, not ranked"),
    why=("原因", "Why"),
)

#: The HTML report.
HTML = _table(
    overview=("总览", "Overview"),
    subject=("评价对象", "Subject"),
    total=("总分", "Total"),
    grade=("等级", "Grade"),
    coverage=("有数据的权重", "Weight scored"),
    fail=("未达标", "Failed"),
    error=("错误", "Errors"),
    no_grade=("不评级", "no grade"),
    indicator=("指标", "Indicator"),
    value=("值", "Value"),
    points=("得分 / 权重", "Points / weight"),
    outcome=("结果", "Outcome"),
    message=("说明", "Message"),
    checks=("检查", "Checks"),
    attention=("需要关注", "Needs attention"),
    nothing=("没有未达标或错误的指标。", "Nothing failed and nothing could not be evaluated."),
    profile=("一级指标得分（灰色为权重）", "Top-level indicators (grey: weight)"),
    histogram=("总分分布（占满分的百分比）", "Totals (percent of the maximum)"),
    grades=("等级分布", "Grades"),
    top=("未达标 / 错误最多的指标", "Indicators failing most often"),
    subjects=("个评价对象", "subjects"),
    rule=("规则", "rule"),
    standard=("标准", "standard"),
    fields=("相关字段", "fields"),
    run=("运行编号", "run"),
    rank=("排名", "Rank"),
    ranked=("参与排名的评价对象", "Ranked subjects"),
    unranked=("不评级，不参与排名", "No grade, not ranked"),
    why=("原因", "Why"),
    only_ranked=(
        "仅含参与排名的 {n} 个评价对象；{m} 个不评级的另列",
        "only the {n} ranked subjects; {m} without a grade are listed apart",
    ),
    # the English page keeps the full-width colon it has always had
    why_no_grade=("{label}：{reason}", "{label}：{reason}"),
    note=("（{text}）", " ({text})"),
    label_detail=("{label}：{detail}", "{label}: {detail}"),
    brackets=("（）", "()"),
)

#: The Excel workbook: the summary sheet's columns, each subject sheet's columns, sheet name.
XLSX_SUMMARY = _columns(
    ("排名", "Rank"),
    ("评价对象", "Subject"),
    ("名称", "Name"),
    ("总分", "Total"),
    ("实得", "Earned"),
    ("可评", "Scorable"),
    ("满分", "Max"),
    ("有数据的权重占比", "Coverage"),
    ("等级", "Grade"),
    ("不评级原因（不参与排名）", "Why no grade (not ranked)"),
)
XLSX_DETAIL = _columns(
    ("指标", "Indicator"),
    ("编号", "ID"),
    ("类型", "Kind"),
    ("得分", "Points"),
    ("权重", "Weight"),
    ("结果", "Outcome"),
    ("值", "Value"),
    ("说明", "Message"),
)
XLSX_SHEET = _table(summary=("汇总", "Summary"))

#: SARIF rule help (read by code-review tools; both languages on one line).
SARIF = _table(weight=("权重", "weight"), rule=("{title}（{id}）", "{title} ({id})"))

# -- the command line ----------------------------------------------------------------------------

#: What the ``perfscore`` command says on stderr (today in English; zh ready for ``--lang``).
CLI = _table(
    progress=("评分中", "scoring"),
    incomplete=(
        "部分指标无法评价（见错误结果）",
        "some indicators could not be evaluated (see the error findings)",
    ),
    cannot_write=("无法写出结果：{error}", "cannot write output: {error}"),
    unknown_extension=(
        "无法从扩展名判断 {path} 的格式（{known}）；请加 --format",
        "cannot tell the format of {path} from its extension ({known}); add --format",
    ),
    shared_stdout=(
        "多种输出格式（{formats}）不能共用标准输出："
        "请为每种格式给出 --output FILE，或 --output-dir DIR",
        "several output formats ({formats}) cannot share standard output: "
        "give --output FILE for each, or --output-dir DIR",
    ),
    output_dir_needs_format=("--output-dir 需要 --format", "--output-dir needs --format"),
    binary_needs_file=(
        "--format {format} 写出二进制文件：请给出 --output FILE",
        "--format {format} writes a binary file: give --output FILE",
    ),
    same_file=("两个输出会写到同一个文件", "two outputs would be written to the same file"),
    bad_date=(
        "--as-of {value} 不是形如 2024-06-30 的日期",
        "--as-of {value} is not a date like 2024-06-30",
    ),
    plugin_disabled=(
        "插件 {name!r}（{group} = {value}）已停用：{reason}",
        "plugin {name!r} ({group} = {value}) is disabled: {reason}",
    ),
    validate_ok=(
        "{path}：正确（{id} {version}：{indicators} 个指标，{checks} 项检查）",
        "{path}: ok ({id} {version}: {indicators} indicators, {checks} checks)",
    ),
    validate_problems=("{path}：{count} 个问题", "{path}: {count} problem(s)"),
)
