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
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

__all__ = [
    "CLI",
    "DATA",
    "DECLARED",
    "DEFAULT_LANG",
    "ENGINE",
    "EVIDENCE",
    "EXPLAIN",
    "HELP",
    "HTML",
    "LANGS",
    "LINT",
    "LOAD",
    "MARKDOWN",
    "NOTICE",
    "OUTCOME",
    "RAW",
    "REVIEW_ADVICE",
    "REVIEW_CAUSE",
    "REVIEW_CHECK_ADVICE",
    "REVIEW_CHECK_LOCATION",
    "REVIEW_COLUMNS",
    "REVIEW_DIMENSION",
    "REVIEW_FACTS",
    "REVIEW_TEXT",
    "RUN_SUMMARY",
    "SARIF",
    "SCORE",
    "STANDING",
    "STORE",
    "TERMINAL",
    "VALUES",
    "XLSX_DETAIL",
    "XLSX_SHEET",
    "XLSX_SUMMARY",
    "Bilingual",
    "Lang",
    "Table",
    "in_language",
    "language",
    "language_of",
    "said",
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


def language_of(locale: str | None, sample: str = "") -> Lang:
    """The language a rule set is written for: its declared ``locale`` (``zh-CN`` → zh,
    ``en``/``en-US`` → en); without one, zh when ``sample`` (its title) has Chinese, else en."""
    if locale:
        tag = locale.strip().lower().replace("_", "-")
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in sample) else "en"


def say(table: Table, lang: str, key: str, /, **fields: object) -> str:
    """The message ``key`` of ``table`` in ``lang``, its ``{fields}`` filled in."""
    return table[language(lang)][key].format(**fields)


class Bilingual(str):
    """A message that is its English text (wherever a plain ``str`` is expected: logs, JSON
    ``message``, exceptions) and also carries its Chinese (``.zh``), so a zh run can say it in
    one language (:func:`in_language`).  Fields that are themselves :class:`Bilingual` are
    filled in per language."""

    __slots__ = ("zh",)
    zh: str

    def __new__(cls, en: str, zh: str) -> Bilingual:
        self = super().__new__(cls, en)
        self.zh = zh
        return self

    def __reduce__(self) -> tuple[type[Bilingual], tuple[str, str]]:
        return (Bilingual, (str.__str__(self), self.zh))


def said(table: Table, key: str, /, **fields: object) -> Bilingual:
    """The message ``key`` of ``table`` in both languages (a :class:`Bilingual`); a
    ``Decimal`` field is written as a bureau writes a figure (:func:`figure`)."""
    for k, v in fields.items():
        if v.__class__ is Decimal:
            fields[k] = figure(v)
    return Bilingual(
        table["en"][key].format(**fields),
        table["zh"][key].format(**{k: in_language(v, "zh") for k, v in fields.items()}),
    )


def figure(x: Decimal) -> str:
    """A number in a message in plain digits, as written — ``1e3`` read from a cell is
    ``1000``, ``1.5E+3`` ``1500``, ``2.50`` ``2.50``, ``1E-7`` ``0.0000001`` (``str`` wrote
    ``1E+3``) — unless that takes more than 30 digits either side of the point (``1E+400``
    stays so)."""
    if x.is_finite() and -30 <= x.adjusted() <= 30:
        return format(x, "f")
    return str(x)


def in_language(text: object, lang: str) -> str:
    """``text`` in ``lang``: a :class:`Bilingual`'s Chinese for zh, else the text itself."""
    if lang == "zh" and isinstance(text, Bilingual):
        return text.zh
    return str.__str__(text) if isinstance(text, str) else str(text)


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

# -- what is wrong with a value of the data (the {problem} of a finding's reason) -----------------

#: Problems with one value of a record, and notes about a record (perfscore.subjects).
#: What a raw value is, inside a data message (perfscore.rawvalue.describe).
RAW = _table(
    nothing=("空值", "nothing"),
    true=("是", "true"),
    false=("否", "false"),
    text=("文字 {text}", "text {text}"),
    list=("列表", "a list"),
    mapping=("映射", "a mapping"),
    date=("日期 {date}", "a date {date}"),
    time=("时刻 {time}", "a time {time}"),
    other=("{kind} 类型的值", "a value of type {kind}"),
)

DATA = _table(
    required_missing=("缺少必填值", "required value is missing"),
    rejected=("整条记录被拒绝：{problem}", "the record is rejected: {problem}"),
    not_mapping=("'values' 是{raw}，不是映射", "'values' is {what}, not a mapping"),
    record_not_mapping=(
        "该评价对象的记录是{raw}，不是映射（{{id, name, values}}）",
        "the subject record is {what}, not a mapping",
    ),
    not_number=("应为数字，实为 {raw}", "expected a number, got {what}"),
    not_number_percent=(
        "应为数字，实为 {raw}（此处不应是百分数）",
        "expected a number, got {what} (a percentage where none is expected)",
    ),
    not_finite=("应为有限的数，实为 {value}", "expected a finite number, got {value}"),
    space_in_number=(
        "{raw}：数字中间的空格只能用作千位分隔（每三位一组，如 3 435.02）",
        "{what}: a space inside a number may only separate thousands (as in 3 435.02)",
    ),
    column_percent=(
        "该列以 % 填写，此项为{type}{unit}",
        "the column is in %, the input is {type}{unit}",
    ),
    column_unit=(
        "该列单位为 {unit}，此项单位为{want}：不换算",
        "the column is in {unit}, the input is in {want}: not converted",
    ),
    in_unit=("（{unit}）", " in {unit}"),
    no_unit=("无单位", "no unit"),
    type_money=("金额", "money"),
    type_integer=("整数", "integer"),
    type_boolean=("是/否", "boolean"),
    type_text=("文字", "text"),
    type_series=("逐年序列", "series"),
    wrong_unit=(
        "{raw} 的单位是 {unit}，此项应为{want}",
        "{raw}: unit {unit} where {want} is expected",
    ),
    ratio_cell=(
        "{value} 所在列存的是比率：是 {pct}% 还是 {value}%？请写 {pct}% 或 {value}%",
        "{value} is in a column of ratios: {pct}% or {value}%? write {pct}% or {value}%",
    ),
    ambiguous_percent=(
        "{value} 作为百分数有歧义（{pct}% 还是 {value}%？）：请写 {pct}% 或 {value}%",
        "{value} is ambiguous for a percentage ({pct}% or {value}%?): write {pct}% or {value}%",
    ),
    too_large=(
        "{value} 过大（上限 1e{limit}），请检查单位",
        "{value} is too large (the limit is 1e{limit}); check the unit",
    ),
    too_many_digits=("{raw} 的有效数字超过 28 位", "{raw} has more than 28 significant digits"),
    too_small=(
        "{value} 过小（非零数不得小于 1e-{limit}），请检查数据",
        "{value} is too small (a number other than 0 must be at least 1e-{limit}); check the data",
    ),
    not_whole=("应为整数，实为 {value}", "expected a whole number, got {value}"),
    below_min=("{value} 低于下限 {min}", "{value} is below the minimum {min}"),
    above_max=("{value} 高于上限 {max}", "{value} is above the maximum {max}"),
    not_boolean=("应为 是/否（true/false），实为 {raw}", "expected true or false, got {what}"),
    not_text=("应为文字，实为 {raw}", "expected text, got {what}"),
    not_choice=(
        "{raw} 不是 {choices} 之一{hint}",
        "{raw} is not one of {choices}{hint}",
    ),
    did_you_mean=("（是否想写 {hint}？）", " (did you mean {hint}?)"),
    not_series=(
        "应为逐年的值（如 2023: 0.98），实为 {raw}",
        "expected values per year (a mapping like 2023: 0.98), got {what}",
    ),
    not_year=("{year} 不是年份", "year {year} is not a year"),
    in_year=("{year} 年：{problem}", "year {year}: {problem}"),
    year_twice=(
        "{year} 年给了两次，无法判断应取哪一个值",
        "year {year} is given twice; which figure is meant cannot be told",
    ),
    at_cell=("{where}：{problem}", "{where}: {problem}"),
    cell_line=("第 {row} 行「{column}」列", "line {row}, column {column}"),
    cell_row=("第 {row} 行「{column}」列", "row {row}, column {column}"),
    cell_key=("第 {row} 行「{column}」键", "line {row}, key {column}"),
    cell_at_line=("第 {row} 行", "line {row}"),
    unknown_field=("未知字段 {name} 已忽略{hint}", "unknown field {name} is ignored{hint}"),
)

#: A department's own claims that could not be read (perfscore.declared: 自评得分、等级).
DECLARED = _table(
    negative=("{value} 为负数：得分不会低于 0", "{value} is negative; points are never below 0"),
    per_indicator=(
        "应为按指标编号给出的{kind}（映射），实为 {raw}",
        "expected {kind} per indicator id (a mapping), got {what}",
    ),
    kind_points=("得分", "points"),
    kind_text=("文字", "text"),
    not_id=("{key} 不是指标编号", "{key} is not an indicator id"),
    not_printed=("应为表上所印的文字，实为 {raw}", "expected the text as printed, got {what}"),
    not_claims=(
        "自评数据应为映射（total、grade、points），实为 {raw}",
        "expected the claims as a mapping (total, grade, points), got {what}",
    ),
    unknown_key=("未知键 {key} 已忽略{hint}", "unknown key {key} is ignored{hint}"),
    did_you_mean=("（是否想写 {hint}？）", " (did you mean {hint}?)"),
    not_grade=("自评等级应为文字，实为 {raw}", "expected a grade as text, got {what}"),
)

#: Why a scorer could not score a value (the {problem} of 无法评分：…; perfscore.scorers).
SCORE = _table(
    not_number=("{what}应为数字，实为{kind}", "{what} must be a number, got {kind}"),
    not_finite=("{what}不是有限的数", "{what} is not a finite number"),
    what_value=("值", "value"),
    what_target=("目标值", "target"),
    what_ratio=("比例", "ratio"),
    what_formula=("公式结果", "formula"),
    kind_missing=("空值（缺失）", "nothing (missing)"),
    kind_boolean=("是/否值", "a yes/no value"),
    kind_text=("文字 {text}", "text {text}"),
    kind_series=("逐年序列", "a series"),
    no_weight=(
        "此评分方式给出分数，但指标没有权重",
        "this scorer gives points, but the indicator has no weight",
    ),
    not_exact=(
        "得分 {points} 距“五入”的半位太近，无法精确判定舍入（由插件函数的值算出？）",
        "the points {points} lie too close to a half to round exactly"
        " (computed from a plug-in function's value?)",
    ),
    no_band=(
        "值不在任何区间内，且未给出 otherwise",
        "the value falls outside every band and no 'otherwise' is given",
    ),
    not_series=("值应为逐年序列，实为{kind}", "value must be a series of years, got {kind}"),
    too_few_years=(
        "需要 {need} 个有值的年度，实有 {have} 个（{years}）",
        "needs {need} years with values, got {have} ({years})",
    ),
    no_years=("无", "none"),
    not_tier=("等次应为 {tiers} 之一，实为{kind}", "tier must be one of {tiers}, got {kind}"),
    ratio_outside=(
        "比例 {ratio} 不在等次 {tier} 的区间 {range} 内",
        "ratio {ratio} is outside tier {tier} {range}",
    ),
    not_grade=("等级应为 {scale} 之一，实为{kind}", "grade must be one of {scale}, got {kind}"),
)

#: Why an expression could not be evaluated for one subject (perfscore.expr, perfscore.exact,
#: perfscore.functions, perfscore.callables): the {problem} of 无法评分 / 无法检查 / 无法计算.
EVAL = _table(
    not_mapping=("取值应为映射，实为 {kind}", "the values must be a mapping, not {kind}"),
    division_by_zero=("分母为零", "division by zero"),
    zero_negative_power=("零的负数次幂", "zero raised to a negative power"),
    unknown_value=("未知的值 {name}", "unknown value {name}"),
    value_missing=("{name} 的值缺失", "value of {name} is missing"),
    a_value_missing=("缺少一个值", "a value is missing"),
    cannot_compare=("无法比较{left}与{right}", "cannot compare {left} with {right}"),
    expected_number=("应为数字，实为{kind}", "expected a number, got {kind}"),
    invalid_value=("值无效（{problem}）", "invalid value: {problem}"),
    invalid_value_other=("值无效", "invalid value: {problem}"),
    too_large=("数值过大", "number too large"),
    invalid_arithmetic=("无效的算术运算", "invalid arithmetic operation"),
    too_complex=("表达式过于复杂，无法计算", "expression too complex to evaluate"),
    cannot_evaluate=("无法计算", "cannot evaluate: {problem}"),
    type_text=("文字", "text"),
    type_number=("数字", "a number"),
    type_boolean=("是/否值", "a boolean"),
    type_missing=("缺失值", "a missing value"),
    type_series=("逐年序列", "a series"),
    type_float=("二进制浮点数（应为 Decimal）", "a binary float (use Decimal)"),
    type_other=("{name} 类型的值", "a value of type {name}"),
    power_not_finite=("'**' 需要有限的数", "'**' needs finite numbers"),
    power_not_whole=(
        "'**' 的指数应为整数，实为 {e}",
        "the exponent of '**' must be a whole number, got {e}",
    ),
    power_exponent_big=(
        "'**' 的指数至多为 {max}，实为 {e}",
        "the exponent of '**' must be at most {max}, got {e}",
    ),
    power_too_large=("{b} ** {n} 的结果过大", "the result of {b} ** {n} would be too large"),
    fn_missing=("{fn}()：缺少一个值", "{fn}(): a value is missing"),
    fn_number=("{fn}() 需要数字，实为{kind}", "{fn}() expects a number, got {kind}"),
    fn_series=("{fn}() 需要逐年序列，实为{kind}", "{fn}() expects a series, got {kind}"),
    fn_not_whole=(
        "{fn}()：{what}应为整数，实为 {got}",
        "{fn}(): {what} must be a whole number, got {got}",
    ),
    fn_range=(
        "{fn}()：{what}应在 {low} 与 {high} 之间，实为 {got}",
        "{fn}(): {what} must be between {low} and {high}, got {got}",
    ),
    fn_empty=("{fn}() 的序列没有任何值", "{fn}() of a series with no values"),
    round_too_large=(
        "round()：{number} 过大，无法保留 {digits} 位小数",
        "round(): {number} is too large to round to {digits} places",
    ),
    clamp_bounds=(
        "clamp()：下限 {low} 大于上限 {high}",
        "clamp(): lower bound {low} is greater than upper bound {high}",
    ),
    mean_gap=(
        "mean()：{years} 年无值——{size} 年的平均只有 {have} 年的值",
        "mean(): no value for {years} — a {size}-year mean would average {have} years",
    ),
    denominator_zero=("{what}：分母为零", "{what}: the denominator is zero"),
    pairs=(
        "composition_variance()：应按类别成对给出（预算, 实际）序列",
        "composition_variance(): give (budget, actual) series in pairs, one pair per category",
    ),
    what_places=("小数位数", "places"),
    what_n=("年数 n", "n"),
    what_year=("年份", "the year"),
    returned_not_finite=(
        "函数 {name}() 返回了 {value}，不是有限的数",
        "function {name}() returned {value}, not a finite number",
    ),
    returned_too_large=(
        "函数 {name}() 返回了 {value}，不是可用的数（达到 1e100 或以上）",
        "function {name}() returned {value}, not a usable number (1e100 or more)",
    ),
    returned_float=(
        "函数 {name}() 返回了二进制浮点数（{value}）；函数应返回 Decimal",
        "function {name}() returned a binary float ({value}); functions must return Decimal",
    ),
    returned_series=(
        "函数 {name}() 返回的序列含 {value}，不是有限的数",
        "function {name}() returned a series holding {value}, not a finite number",
    ),
)

#: Notifications: problems that are not a finding about one rule (their codes stay ASCII).
NOTICE = _table(
    error=("错误", "error"),
    warning=("警告", "warning"),
    note=("提示", "note"),
    line=("{level}：{message}", "{level}: {message}"),
    waiver_expired=(
        "{subject} 的 {rule} 豁免已于 {expires} 到期（按 {as_of} 判断），未应用",
        "waiver of {rule} for {subject} expired on {expires} (as of {as_of}); ignored",
    ),
    waiver_unmatched=(
        "{uri}：第 {n} 条豁免（{rule}）所指的评价对象 {subject} 不在数据中，未豁免任何结果{hint}",
        "{uri}: waiver {n} ({rule}) names subject {subject}, which is not in the data; "
        "it exempted nothing{hint}",
    ),
    outside_effective=(
        "数据属于 {year} 年度；规则集 {id} 适用于 {years} 年度",
        "the data are for {year}; rule set {id} applies to fiscal years {years}",
    ),
    duplicate_id=(
        "评价对象编号 {id} 在本批数据中出现 {n} 次；编号必须唯一",
        "subject id {id} appears {n} times in the batch; ids must be unique",
    ),
    duplicate_key=(
        "评价对象 {ids} 共用键 {key}{period}；一个键只代表一个部门，每个年度一次",
        "subjects {ids} share key {key}{period}; a key names one department, once per period",
    ),
    for_period=("（{period} 年度）", " for period {period}"),
    duplicate_row_id=(
        "{ref}：评价对象编号 {id} 已在 {first} 用过；两行都评分",
        "{ref}: subject id {id} was already used at {first}; both are scored",
    ),
    total_row=("{ref}：{label} 行是合计行，不评分", "{ref}: {label} row is a total, not scored"),
    ratio_column=(
        "{where}：列 {header} 存的是比率，不是百分点：其中 {ambiguous} 格不大于 1（如 0.95），"
        "作为有歧义的数拒绝；另有 {between} 格在 1 与 2 之间（首个位于 {first}），也可能是比率"
        "（1.05 即 105%），一并拒绝。请整列按百分点（95）或带 %（95%）填写",
        "{where}: column {header} holds ratios, not percentage points: {ambiguous} of its "
        "cells are at most 1 (such as 0.95) and are refused as ambiguous; its {between} "
        "cell(s) between 1 and 2 (the first at {first}) may be ratios too (1.05 for 105%) and "
        "are refused as well. Write the column in percentage points (95) or with % (95%)",
    ),
    column_at=("第 {n} 列", "column {n}"),
    unmapped_column=(
        "{where}：列 {header}（{cell}）不是 {rules} 的输入项，已忽略{hint}；"
        "可用 --columns 指定对应关系",
        "{where}: column {header} ({cell}) is not an input of {rules} and is ignored{hint}; "
        "map it with --columns",
    ),
    column_hint=("（是否想写 {hint}？）", " (did you mean {hint}?)"),
    duplicate_column=(
        "{where}：列 {heads} 都对应 {name}；只用最后一列",
        "{where}: columns {heads} all feed {name}; the last one is used",
    ),
    duplicate_frame_column=(
        "{where}：列 {heads} 都对应 {name}，无法判断应取哪一列；请删去或改名其中一列再评分",
        "{where}: columns {heads} all feed {name}, so which one to score is unclear; drop or "
        "rename all but one",
    ),
    missing_column=(
        "{where}：没有必填输入项 {name}{title}的列；每个评价对象都会因此出错",
        "{where}: no column for the required input {name}{title}; every subject will have an "
        "error for it",
    ),
    input_title=("（{title}）", " ({title})"),
)

# -- the engine's messages (findings, reasons, grades) ----------------------------------------

#: Message templates of findings and reasons; ``{title}`` is the rule's title in that language.
ENGINE = _table(
    # what stops a rule: a field, a metric, a condition (the "reason" of a finding)
    field_invalid=("数据有误：{title}（{name}）：{problem}", "field '{name}': {problem}"),
    field_missing=("缺少数据：{title}（{name}）", "no data for '{name}'"),
    metric_zero=("{title}（{name}）的分母为零", "'{name}' divides by zero"),
    metric_error=("{title}（{name}）无法计算：{problem}", "'{name}': {problem}"),
    metric_missing=("缺少数据：{title}（{name}）：{problem}", "no data for '{name}': {problem}"),
    join=("；", "; "),
    condition_false=("条件 {condition} 不成立", "condition {condition} is false"),
    check_condition_false=("条件 {condition} 不成立", "{condition} is false"),
    division_by_zero=("分母为零", "division by zero"),
    # the reason alone, as in English: indicator_error / check_error already say 无法评分 /
    # 无法检查 around it (a prefix here read "无法评分（无法评分：比例 0.8 不在…）")
    cannot_score=("{problem}", "{problem}"),
    cannot_check=("{problem}", "{problem}"),
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
    # sides that differ within the tolerance: "=" only for sides exactly equal (equal_ok)
    equal_near=(
        "{title}：{left} ≈ {right}（相差 {difference}，容差 {tolerance}），一致",
        "{title}: {left} ≈ {right} (differs by {difference}, tolerance {tolerance}), consistent",
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
    otherwise=("其他情况", "otherwise"),
)

# -- explanations: the arithmetic of a finding, one sentence an auditor can check by hand ------

#: How each scorer's arithmetic reads (perfscore.explain and each scorer module's ``explain``).
#: Numbers are filled in exactly as the engine used them; ``{result}`` is ``result`` below.
EXPLAIN = _table(
    join=("；", "; "),
    list_sep=("、", ", "),
    # how people's formats label the sentence
    label=("计算过程", "Arithmetic"),
    labelled=("计算过程：{text}", "Arithmetic: {text}"),
    # the figures read: an input or metric inside a formula, a metric's own line
    named=("{title} {value}", "{title} {value}"),
    # the words of a condition written out (``a if c else b``, ``and``, ``or``, ``not``)
    cond_if=("若 {test} 则 {body} 否则 {orelse}", "{body} if {test} else {orelse}"),
    cond_and=(" 且 ", " and "),
    cond_or=(" 或 ", " or "),
    cond_not=("非 ", "not "),
    formula=("{title} = {expr} = {value}", "{title} = {expr} = {value}"),
    value_formula=("{expr} = {value}", "{expr} = {value}"),
    result=("得 {points} / {weight} 分", "{points} / {weight} points"),
    result_grade=("评级 {grade}", "grade {grade}"),
    subtract=("{weight} − {off} = {raw}", "{weight} − {off} = {raw}"),
    floored=("，不低于 {floor} 分", ", not below {floor}"),
    capped=("，不高于 {weight} 分", ", not above {weight}"),
    percentage_points=("{x} 个百分点", "{x} percentage points"),
    percentage_point=("{x} 个百分点", "{x} percentage point"),
    # threshold
    threshold_met=(
        "{value} {op} {target}，达标，{result}",
        "{value} {op} {target}: met, {result}",
    ),
    threshold_not_met=(
        "{value} 不满足 {op} {target}，未达标，{result}",
        "{value} is not {op} {target}: not met, {result}",
    ),
    # proportional (10号: met → full marks, else the weight × actual/target)
    proportional_met=(
        "{value} 达到目标 {op} {target}，{result}",
        "{value} meets the target {op} {target}: {result}",
    ),
    proportional_higher=(
        "{value} 未达到目标 {target}，按比例 {weight} × {value} ÷ {target} = {raw}，{result}",
        "{value} is below the target {target}: pro rata {weight} × {value} ÷ {target} = {raw}, "
        "{result}",
    ),
    proportional_lower=(
        "{value} 高于目标 {target}，按比例 {weight} × {target} ÷ {value} = {raw}，{result}",
        "{value} is above the target {target}: pro rata {weight} × {target} ÷ {value} = {raw}, "
        "{result}",
    ),
    proportional_equal=(
        "{value} 偏离目标 {target}，按比例 {weight} × (1 − |{value} − {target}| ÷ |{target}|) "
        "= {raw}，{result}",
        "{value} differs from the target {target}: pro rata "
        "{weight} × (1 − |{value} − {target}| ÷ |{target}|) = {raw}, {result}",
    ),
    proportional_nothing=(
        "{value} 未达到目标 {target}，比例不为正，{result}",
        "{value} misses the target {target} and the ratio is not positive: {result}",
    ),
    # deduct ("每超过1个百分点扣0.5分，扣完为止")
    deduct_above=("高于", "above"),
    deduct_below=("低于", "below"),
    deduct_clear=(
        "{value} 未{side} {start}，不扣分，{result}",
        "{value} is not {side} {start}: nothing off, {result}",
    ),
    deduct=(
        "{value} {side} {start} {gap}，每 {per}扣 {step} 分{count}，"
        "扣 {units} × {step} = {off} 分，{subtract}{bound}，{result}",
        "{value} is {side} {start} by {gap}; {step} off per {per}{count}: "
        "{units} × {step} = {off} off, {subtract}{bound}, {result}",
    ),
    count_started=(
        "（不足一档按一档计，计 {units} 档）",
        " (a started step counts: {units} steps)",
    ),
    count_completed=(
        "（不足一档不计，计 {units} 档）",
        " (only whole steps count: {units} steps)",
    ),
    # bands and series_bands
    band=("{value} 在区间 {range} 内，{result}", "{value} is in {range}: {result}"),
    band_otherwise=(
        "{value} 不在任何区间内，按其他情况，{result}",
        "{value} is in no band: otherwise, {result}",
    ),
    series_band=(
        "近 {last} 年（{years}）中有 {hits} 年在 {range} 内（至少需 {at_least} 年），{result}",
        "{hits} of the last {last} years ({years}) in {range} (at least {at_least} needed): "
        "{result}",
    ),
    series_otherwise=(
        "近 {last} 年（{years}）没有一个区间达到 {at_least} 年，按其他情况，{result}",
        "no band holds in {at_least} of the last {last} years ({years}): otherwise, {result}",
    ),
    # checklist
    checklist=(
        "满足 {met} / {total} 项{items}，{sum}{missed}，{result}",
        "{met} of {total} items met{items}, {sum}{missed}, {result}",
    ),
    checklist_items=("：{items}", ": {items}"),
    checklist_item=("{title} {points} 分", "{title} {points}"),
    checklist_missed=("（未满足：{items}）", " (not met: {items})"),
    checklist_none=("未满足任何一项", "no item met"),
    checklist_blank=("（未填：{items}，{how}；{cover}）", " (blank: {items}; {how}; {cover})"),
    checklist_cover=(
        "数据覆盖只计已填各项 {answered} / {total} 分",
        "coverage counts only the answered items, {answered} of {total} points",
    ),
    blank_redistribute=(
        "不适用，按已填各项分值折算到权重 {weight} 分",
        "not applicable: the answered items scaled to the weight {weight}",
    ),
    blank_not_given=("不适用，其分值不计", "not applicable: their points not given"),
    blank_zero=("按 0 分计", "counted as 0"),
    blank_full=("按满分计", "counted in full"),
    # tier (10号 qualitative tiers)
    tier=(
        "评审等次 {tier}，区间 {range}，比例 {ratio}{given}，{weight} × {ratio} = {raw}，{result}",
        "tier {tier} ({range}), ratio {ratio}{given}: {weight} × {ratio} = {raw}, {result}",
    ),
    tier_default=("（该等次的默认比例）", " (the tier's default)"),
    tier_given=("（评审给定）", " (given)"),
    # formula
    formula_points=("{expr} = {raw}{bound}，{result}", "{expr} = {raw}{bound}, {result}"),
    # grade
    grade=("评定等级 {given}{alias}，{result}", "assessed {given}{alias}: {result}"),
    grade_alias=("（即 {grade}）", " (read as {grade})"),
)

# -- people's formats ----------------------------------------------------------------------------

#: Why a group (or the total) has no score: the reasons aggregators give, both languages
#: (``NodeScore.reason`` / ``reason_zh``; ``NodeScore.reason_in(lang)`` picks one).
AGGREGATE = _table(
    depends_on=("依赖的 {rules} 无法评分", "depends on {rules}, which could not be scored"),
    none_applies=("没有适用的下级指标", "no child indicator applies"),
    no_row=("查表中没有 {key} 这一行", "the lookup table has no row for {key}"),
    no_result=("汇总没有得出结果", "the aggregation gave no result"),
)

#: A total with what stands behind it (every people's format): earned / scorable / maximum.
#: Where a figure came from and how sure the rule set is of its rule (SEEN/ASSUMED marks).
EVIDENCE = _table(
    report=("来源", "from"),
    mark=("依据", "evidence"),
    line=("{uri} 第 {line} 行", "{uri} line {line}"),
    sep=("、", ", "),
    join=(" · ", " · "),
    paren=("（{text}）", " ({text})"),
)

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

#: The subjects' overview table and the words around it: the same in the Markdown summary and
#: the HTML report (both tables below take these entries).
_OVERVIEW = {
    "rank": ("排名", "Rank"),
    "subject": ("评价对象", "Subject"),
    "total": ("总分", "Total"),
    "grade": ("等级", "Grade"),
    "coverage": ("有数据的权重", "Weight scored"),
    "fail": ("未达标", "Failed"),
    "error": ("错误", "Errors"),
    "no_grade": ("不评级", "no grade"),
    "unranked": ("不评级，不参与排名", "No grade, not ranked"),
    "why": ("原因", "Why"),
    "attention": ("需要关注", "Needs attention"),
    "nothing": ("没有未达标或错误的指标。", "Nothing failed and nothing could not be evaluated."),
}

#: The Markdown summary.
MARKDOWN = _table(
    **_OVERVIEW,
    id=("编号", "ID"),
    severity=("严重程度", "severity"),
)

#: The HTML report.
HTML = _table(
    **_OVERVIEW,
    overview=("总览", "Overview"),
    indicator=("指标", "Indicator"),
    value=("值", "Value"),
    points=("得分 / 权重", "Points / weight"),
    outcome=("结果", "Outcome"),
    message=("说明", "Message"),
    checks=("检查", "Checks"),
    profile=("一级指标得分（灰色为权重）", "Top-level indicators (grey: weight)"),
    histogram=("总分分布（占满分的百分比）", "Totals (percent of the maximum)"),
    grades=("等级分布", "Grades"),
    top=("未达标 / 错误最多的指标", "Indicators failing most often"),
    subjects=("个评价对象", "subjects"),
    rule=("规则", "rule"),
    standard=("标准", "standard"),
    fields=("相关字段", "fields"),
    run=("运行编号", "run"),
    ranked=("参与排名的评价对象", "Ranked subjects"),
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
    ("计算过程", "Arithmetic"),
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
    cannot_write_file=("无法写出 {path}：{error}", "cannot write {path}: {error}"),
    # perfscore extract
    cannot_read_folder=("{path}：无法读取文件夹：{error}", "{path}: cannot read folder: {error}"),
    no_reports=(
        "{path}：文件夹中没有报告（.txt、.docx、.pdf）",
        "{path}: no reports (.txt, .docx, .pdf) in folder",
    ),
    source_warning=("{source}：警告：{warning}", "{source}: warning: {warning}"),
    figures_missing=(
        "部分必需数据未找到（见上面的警告）",
        "some required figures were not found (see the warnings)",
    ),
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
    output_is_input=(
        "输出 {path} 就是输入文件 {given}：写出会覆盖输入，请换一个输出文件名",
        "the output {path} is the input {given}: writing it would replace the input — "
        "give another output file",
    ),
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
    error=("错误：{message}", "error: {message}"),
    no_total_one=(
        "无法为该评价对象计算总分（见错误结果和不评级原因）",
        "no total could be computed for the subject (see the error findings and grade reasons)",
    ),
    no_total_any=(
        "{count} 个评价对象都无法计算总分（见错误结果和不评级原因）",
        "no total could be computed for any of the {count} subjects "
        "(see the error findings and grade reasons)",
    ),
    no_total_some=(
        "{of} 个评价对象中有 {count} 个没有总分：{ids}",
        "no total for {count} of {of} subjects: {ids}",
    ),
    cannot_read=("无法读取 {what}", "cannot read {what}"),
    per_record=(
        "逐条评分（未走列式快速路径）：{why}",
        "scored record by record, not by the columnar fast path: {why}",
    ),
    why_forced=("按 --no-columnar 的要求", "as --no-columnar asks"),
    why_store=("--store 要保存逐条结果", "--store keeps per-record findings"),
    why_waivers=("豁免要逐条核对", "waivers are matched finding by finding"),
    why_jobs=("--jobs 使用逐条的多进程评分", "--jobs scores record by record in processes"),
    why_template=("数据是自评报告，不是表格", "the data are reports, not tables"),
    why_stdout=("Parquet 写到标准输出", "Parquet goes to standard output"),
    why_declared=("数据中有自评得分（declared）", "the data declare their own scores"),
    why_rules=("规则集用到列式路径不支持的写法：{reason}", "the rule set uses {reason}"),
)

#: ``perfscore validate``'s warnings about a rule set that loads (perfscore.lint).
LINT = _table(
    warning=("警告：{message}", "warning: {message}"),
    too_deep=(
        "有表达式的运算链过长（约一千步以上），未能检查其中的单位、比率与写法笔误；"
        "可将其拆成几个计算项（metrics）再检查",
        "an expression chains too many operations (about a thousand or more) to be checked for "
        "slips in units, rates and wording; split it into metrics to have it checked",
    ),
    no_floor=(
        "没有 min_coverage，数据覆盖 {pct}% 的权重即给等级（默认值）；请写 "
        "`min_coverage: {floor}`（或本地区的比例），让读者看到这条规则",
        "no min_coverage, so a grade is given once data covers {pct}% of the weight (the "
        "default); write `min_coverage: {floor}` (or your bureau's share) so readers see the rule",
    ),
    total=(
        "一级指标权重合计 {sum}，不是 {total}：评价对象最高只能得 {sum} 分。"
        "如确实如此，请在 settings 下写 `total: {sum}`",
        "the top-level weights add up to {sum}, not {total}: the best total a subject can earn "
        "is {sum}. If that is meant, write `total: {sum}` under settings",
    ),
    points_on_rate=(
        "{title}（{name}）是比率（按 % 显示，数值约在 0–1 之间），{setting} 写成 {number} 即 "
        "{percent}%；如指 {number}%，请写 {ratio}",
        "{title} ({name}) is a rate (shown in %, its values are about 0–1), so {setting} {number} "
        "means {percent}%; if {number}% is meant, write {ratio}",
    ),
    number_condition=(
        "条件应为是/否，而 {expr} 是数值：除 0 以外的任何数都算“是”。如确指“不为 0”，请写 "
        "{expr} != 0；否则请写所指的比较，如 {expr} >= 0.8",
        "a condition is yes/no, but {expr} is a number: it holds for every value but 0. If "
        "that is meant, write {expr} != 0; else the comparison meant, such as {expr} >= 0.8",
    ),
    series_condition=(
        "条件应为是/否，而 {expr} 是历年数列：只要给出了数列就算“是”。请写所指的条件，如 "
        "count({expr}) == 3（三年都有数）或 not is_missing({expr})（给出了数列）",
        "a condition is yes/no, but {expr} is a series: it holds whenever the series is given. "
        "Write the condition meant, such as count({expr}) == 3 (every year has a figure) or "
        "not is_missing({expr}) (the series is given)",
    ),
    step_on_rate=(
        "{title}（{name}）是比率（按 % 显示，数值约在 0–1 之间），per 写成 {number} 即每 "
        "{percent} 个百分点扣一次；如指每 {number} 个百分点，请写 per: {ratio}",
        "{title} ({name}) is a rate (shown in %, its values are about 0–1), so per {number} "
        "is a step of {percent} percentage points; if {number} percentage point(s) are meant, "
        "write per: {ratio}",
    ),
    ratio_bound=(
        "{title}（{name}）是百分比输入项，{setting} 与数据一样按百分点书写：{setting}: {number} "
        "即 {number}%，数据超出即被拒；如指 {percent}%，请写 {setting}: {percent}",
        "{title} ({name}) is a percent input, and its {setting} is written like its data, in "
        "percentage points: {setting}: {number} means {number}%, and data beyond it are "
        "refused; if {percent}% is meant, write {setting}: {percent}",
    ),
    mixed_scales=(
        "{ratio} 是比率（95% 记为 0.95），而 {points} 按百分点计（95% 记为 95）："
        "两者比较永远不会相等；请用同一尺度（去掉 * 100，或两边都乘 100）",
        "{ratio} is a ratio (95% is 0.95) but {points} is in percentage points (95% is 95): "
        "compared, they never agree; put both on one scale (drop the * 100, or multiply both)",
    ),
    unrounded_rate=(
        "{title}（{name}）是报表填报的比率，只有几位小数，而 {expr} 由除法精确算出，几乎从不恰好"
        "相等；请按报表精度取整比较，如 round({expr}, 4)，或给出 tolerance",
        "{title} ({name}) is a reported rate, written to a few decimals, but {expr} is an "
        "exact quotient: the two almost never agree exactly; compare at the report's "
        "precision, such as round({expr}, 4), or give a tolerance",
    ),
    target_zero=(
        "按比例评分的目标为 {target}：凡不低于 {target} 的数值都得满分，低于的得 0 分，没有比例可言"
        "（比率、金额、数量从不为负时，人人满分）；请写实际目标，如本意如此，请改用 threshold 评分",
        "a proportional target of {target} gives full marks to every value of {target} or more "
        "and nothing below, never a share (on a rate, an amount or a count, which are never "
        "negative, everyone gets full marks): write the real target, or, if that is meant, use "
        "a threshold scorer",
    ),
    all_or_nothing=(
        "按比例评分的目标为 {target}（{direction}）：达到即满分，否则 0 分，没有比例可言；"
        "如本意如此，请改用 threshold 评分",
        "a proportional target of {target} ({direction}) gives full marks or nothing, never a "
        "share; if that is meant, use a threshold scorer",
    ),
    when_never=(
        "{title}（{id}）的 when: {when} 对输入项可取的任何值都不成立：该指标从不评分，权重总是"
        "分给其他指标；请检查条件（如两个不同类别用 and 连接，应为 or 或 in）",
        "{title} ({id}) has when: {when}, which holds for no value its inputs can take: it is "
        "never scored and its weight always goes to the others; check the condition (two "
        "different kinds joined by and, where or / in was meant?)",
    ),
    when_never_under=(
        "{title}（{id}）的 when: {when} 与其上级分组的条件 {above} 不能同时成立：该指标从不评分，"
        "权重总是分给其他指标；请检查条件",
        "{title} ({id}) has when: {when}, which can never hold together with its groups' "
        "{above}: it is never scored and its weight always goes to the others; check the "
        "conditions",
    ),
    units_mixed=(
        "{a} 以{a_unit}计，{b} 以{b_unit}计：每个金额按其输入项声明的单位保存，两者直接比较或"
        "运算会相差 {factor} 倍；请把两个输入项声明为同一单位（数据中写明单位的数会自动换算）",
        "{a} is in {a_unit} but {b} is in {b_unit}: each amount is kept in its own input's "
        "declared unit, so comparing or combining them is off by a factor of {factor}; declare "
        "both inputs in one unit (figures written with their unit in the data are converted)",
    ),
    ratio_beyond_one=(
        "tier 的 ratio 是该等次内的得分比例（0–1 之间），而 {title}（{name}）声明最大可到 {max}："
        "大于 1 的值落在所有等次之外，该指标记为错误；如它是百分制得分，请写 ratio: {name} / 100",
        "a tier's ratio is a share of the weight within the tier (between 0 and 1), but "
        "{title} ({name}) is declared up to {max}: any value above 1 lies outside every tier "
        "and the indicator is an error; if it is a score out of 100, write ratio: {name} / 100",
    ),
    require_number=(
        "explain_if 的 require 应是填写说明的输入项，而 {title}（{name}）是数值：数值从不算作"
        "已说明，条件成立时此检查总是不通过；请写说明文字所在的文本输入项",
        "an explain_if's require names the input holding the explanation, but {title} ({name}) "
        "is a number, which never counts as an explanation: the check fails whenever it is "
        "triggered; name the text input the explanation is written in",
    ),
    require_choice=(
        "explain_if 的 require 应是填写说明的输入项，而 {title}（{name}）是有固定选项的文本："
        "任何选项都算作已说明；请写说明文字所在的文本输入项",
        "an explain_if's require names the input holding the explanation, but {title} ({name}) "
        "is a text with fixed choices: any choice counts as an explanation; name the text input "
        "the explanation is written in",
    ),
    require_scored=(
        "explain_if 的 require 应是填写说明的输入项，而 {title}（{name}）是指标评分或适用条件"
        "所读的项目，表格为其本身而填：填了（是）即算已说明；请写说明文字所在的文本输入项",
        "an explain_if's require names the input holding the explanation, but {title} ({name}) "
        "is read by the indicators (scored or tested), so the form fills it for its own sake "
        "and a 是 counts as the explanation; name the text input the explanation is written in",
    ),
    # -- rev13's slips (perfscore.lintslips) --------------------------------------------------
    rate_condition=(
        "{title}（{rate}）是比率（95% 记为 0.95），这里与 {number} 比较即与 {percent}% 比较："
        "条件{always}；如指 {number}%，请写 {ratio}",
        "{title} ({rate}) is a rate (95% is 0.95), so comparing it with {number} compares it "
        "with {percent}%: the condition {always}; if {number}% is meant, write {ratio}",
    ),
    holds_always=("总是成立", "always holds"),
    holds_never=("永远不成立", "never holds"),
    whole_percent=(
        "{expr} 先把比率 {rate} 四舍五入到整百分数再比较：94.5% 按 95% 算，刚好不达标的也算达标；"
        "请直接比较比率（如 {rate} >= 0.95），或保留到报表精度（如 round({rate}, 4)）",
        "{expr} rounds the rate {rate} to whole percent before comparing it: 94.5% counts as "
        "95%, so a value just short of the line passes; compare the rate itself (such as "
        "{rate} >= 0.95), or round to the report's precision (such as round({rate}, 4))",
    ),
    scale_ratio=("比率（95% 记为 0.95）", "a ratio (95% is 0.95)"),
    scale_points=("百分点（95% 记为 95）", "in percentage points (95% is 95)"),
    target_scale=(
        "取值 {value} 是{value_scale}，而目标 {target} 是{target_scale}：两者相差 100 倍，"
        "评分永远不对；请用同一尺度（如去掉 * 100 或 / 100）",
        "the value {value} is {value_scale} but the target {target} is {target_scale}: they "
        "are 100 times apart and the score is always wrong; put both on one scale (drop the "
        "* 100 or the / 100)",
    ),
    target_twice=(
        "取值 {value} 是比率（95% 记为 0.95），目标 {target} 把已是比率的数再除以 100"
        "（95% 变成 0.0095）：目标几乎为 0，人人达标；请去掉 / 100",
        "the value {value} is a ratio (95% is 0.95) and the target {target} divides a ratio by "
        "100 again (95% becomes 0.0095): the target is about 0 and everyone meets it; drop "
        "the / 100",
    ),
    full_unreachable=(
        "{title}（{id}）权重为 {weight}，而{best_of}只给 {best} 分：该指标永远得不到满分。"
        "如改过权重，请同时改所给分值；如本意如此，请把权重改为 {best}",
        "{title} ({id}) has a weight of {weight}, but {best_of} gives {best} points: full "
        "marks can never be given. If the weight was raised, raise those points too; if "
        "this is meant, make the weight {best}",
    ),
    best_band=("最好的一档", "its best band"),
    best_met=("达标时（points_met）", "meeting the target (points_met)"),
    cost_higher=(
        "{title}（{id}）评的是成本或费用，越低越好，而评分方法按越高越好计（{how}）："
        "花得越多得分越高；请写 direction: lower（threshold 请用 op: '<='）",
        "{title} ({id}) scores a cost, where less is better, but its scorer counts more as "
        "better ({how}): the more spent, the higher the score; write direction: lower (for a "
        "threshold, op: '<=')",
    ),
    # -- a rule saying the opposite of its title (perfscore.linttitles) -------------------------
    op_vs_title=(
        "{title}（{id}）的标题写的是“{said}”，而评分条件是 op: '{op}'：恰好等于 {target} 时"
        "与标题相反；请写 op: '{want}'",
        "the title of {title} ({id}) says \"{said}\" but its scorer has op: '{op}': a value of "
        "exactly {target} is scored against what the title says; write op: '{want}'",
    ),
    deduct_vs_title=(
        "{title}（{id}）的标题按“{word}”扣分，而 deduct 写的是 direction: {direction}："
        "扣分方向与标题相反；请写 direction: {want}",
        'the title of {title} ({id}) deducts for "{word}" but the deduct has direction: '
        "{direction}: it deducts on the other side; write direction: {want}",
    ),
    value_target_swapped=(
        "{title}（{id}）以 {value}（{value_title}）为取值、{target}（{target_title}）为目标："
        "计划数与实际数写反了，实际越差得分越高；请写 value: {target}，target: {value}",
        "{title} ({id}) scores {value} ({value_title}) against {target} ({target_title}): the "
        "planned and the actual figure are swapped, so the worse the actual, the higher the "
        "score; write value: {target}, target: {value}",
    ),
    share_upside_down=(
        "{title} 是占比（部分 / 整体），而这里写成 {whole} / {part}：{whole_title} 是整体，"
        "{part_title} 是其中一部分，结果总大于 100%；请写 {part} / {whole}",
        "{title} is a share (part / whole), but it is written {whole} / {part}: {whole_title} "
        "is the whole and {part_title} a part of it, so it is always above 100%; write "
        "{part} / {whole}",
    ),
)

#: Slips refused when a rule set loads (perfscore.compile): said in the command's language.
LOAD = _table(
    grade_unreachable=(
        "等级 {grade} 要求总分不低于 {min}，但评价对象最高只能得 {best} 分（{why}）："
        "这个等级永远给不出；请按满分 {best} 写 min",
        "grade {grade} needs a total of {min}, but the most a subject can score is {best} "
        "({why}): the grade can never be given; write its min on the {best}-point scale",
    ),
    best_weights=("一级指标权重合计", "the top-level weights' sum"),
    best_total=("settings 中的 total", "the declared total"),
)

#: The end-of-run summary (perfscore.summary.RunSummary) and the data-reading progress line.
RUN_SUMMARY = _table(
    scored=(
        "已评分 {subjects} 个主体：{graded} 个定级，{ungraded} 个未定级",
        "{subjects} subject(s) scored: {graded} graded, {ungraded} ungraded",
    ),
    grades=(" — {grades}", " — {grades}"),
    coverage=(
        "覆盖率（有数据的权重占比）：平均 {mean}，最低 {low}",
        "coverage (weight scored from data): mean {mean}, lowest {low}",
    ),
    with_errors=(
        "{count} 个主体有错误；按字段：",
        "{count} subject(s) with errors; by field:",
    ),
    first_at=("   首个位于 {cell}", "   first at {cell}"),
    more_fields=("  … 另有 {count} 个字段", "  … {count} more field(s)"),
    most_failed=("未达标最多的指标：", "most-failed indicators:"),
    more_notes=("（另有 {count} 条）", " (+{count} more)"),
    reading=("读取 {path}（{size}）", "reading {path} ({size})"),
    read=(
        "已读取 {path}：{records} 条记录，用时 {seconds} 秒",
        "read {path}: {records} record(s) in {seconds} s",
    ),
)

# -- the results store: store / history / compare / rank ----------------------------------------

#: ``perfscore store|history|compare|rank`` and ``score --store`` (perfscore.store.cli).
STORE = _table(
    run=("运行", "run"),
    ruleset=("规则集", "rule set"),
    periods=("年度", "periods"),
    subjects=("评价对象", "subjects"),
    findings=("评价结果", "findings"),
    complete=("完整", "complete"),
    source=("来源", "from"),
    total=("总分", "total"),
    grade=("等级", "grade"),
    subject=("评价对象", "subject"),
    group=("主管部门", "group"),
    rank=("排名", "rank"),
    percentile=("百分位", "percentile"),
    absent=("无", "absent"),
    rescored=("用存储的输入重新评分", "re-scored from the stored inputs"),
    run_n=("第 {run} 次运行", "run {run}"),
    not_ranked=("未排名（{count}）", "not ranked ({count})"),
    unranked_no_total=("无总分：{reason}", "no total: {reason}"),
    unranked_no_grade=("无等级：{reason}", "no grade: {reason}"),
    not_scored=("有指标无法评价", "an indicator could not be evaluated"),
    no_grades=("规则集不评等级", "the rule set gives none"),
    new=("新增", "new"),
    resolved=("已整改", "resolved"),
    persisting=("仍存在", "persisting"),
    changed=("有变化", "changed"),
    unchanged=("未变化", "unchanged"),
    stored=("已记录为第 {run} 次运行：{url}", "stored as run {run} in {url}"),
    already=("已记录过，为第 {run} 次运行：{url}", "already stored as run {run} in {url}"),
    added=(
        "{path}：第 {run} 次运行（{subjects} 个评价对象，{findings} 条评价结果，{inputs}）",
        "{path}: run {run} ({subjects} subjects, {findings} findings, {inputs})",
    ),
    added_again=("{path}：已记录过，为第 {run} 次运行", "{path}: already stored as run {run}"),
    inputs_kept=("保存了 {count} 个评价对象的输入数据", "inputs of {count} subjects kept"),
    no_inputs=("未保存输入数据，不能重新评分", "no inputs (cannot be re-scored)"),
    data_one=(
        "--data 只对应一个结果文件；请逐个添加",
        "--data names the inputs of ONE document; add them one by one",
    ),
)

#: The command's ``--help`` texts (English today; zh ready for ``--lang``).
HELP = _table(
    description=(
        "按 YAML 规则集为预算绩效数据评分（全过程预算绩效管理）。",
        "Score budget-performance data against YAML rule sets (全过程预算绩效管理).",
    ),
    score=(
        "按规则集为评价对象的数据评分",
        "score subject data against a rule set",
    ),
    data=(
        "评价对象的数据：.xlsx、.csv/.tsv（UTF-8 或 GBK）、.parquet、.jsonl、.json、"
        ".yaml，或其文件夹",
        "subject data: .xlsx, .csv/.tsv (UTF-8 or GBK), .parquet, .jsonl, .json, .yaml, "
        "or folders of them",
    ),
    output_dir=(
        "把每种请求的格式写入这个文件夹",
        "write every requested format into this folder",
    ),
    bom=(
        "CSV：以 UTF-8 BOM 开头，Excel 才能正确读出中文",
        "CSV: start with a UTF-8 BOM so Excel reads 中文",
    ),
    lean=(
        "JSON/JSONL：每条结果不再重复规则部分已写明的内容（单位、权重、规则行列号、评价对象名称），"
        "且 JSON 不缩进",
        "JSON/JSONL: do not repeat per finding what the rules section already says (unit, "
        "weight, rule line/column, subject name); JSON without indentation",
    ),
    sarif_all=(
        "SARIF：也报告达标和不适用的结果（默认只报未达标）",
        "SARIF: also report pass and not-applicable results (default: failures only)",
    ),
    strict=(
        "有任何指标无法评价时以 3 退出",
        "exit 3 when any indicator could not be evaluated",
    ),
    fail_on=(
        "有未达标结果达到此严重程度或更高时以 1 退出",
        "exit 1 when a failed finding has this severity or worse",
    ),
    lang=(
        "面向人的格式所用的语言",
        "message language for people's formats",
    ),
    waivers=(
        "要应用的已批准豁免（YAML 文件）",
        "YAML file of approved exemptions (豁免) to apply",
    ),
    as_of=(
        "按此日期判断豁免是否过期（YYYY-MM-DD；默认今天）",
        "judge waiver expiry as of this date (YYYY-MM-DD; default today)",
    ),
    template=(
        "数据是自评报告（.txt/.docx/.pdf 或其文件夹）：先用此模板提取",
        "the data are self-evaluation reports (.txt/.docx/.pdf, or folders of them): "
        "extract them with this template first",
    ),
    jobs=(
        "用 N 个进程为大批量数据评分",
        "score a large batch in N processes",
    ),
    no_columnar=(
        "不走列式快速路径，逐条评分（输出的字节相同）",
        "score record by record, not by the columnar fast path (Parquet output; same bytes)",
    ),
    test=(
        "运行规则集的 YAML 测试用例（x.yaml 旁的 x.tests.yaml）",
        "run a rule set's YAML test cases (x.tests.yaml next to x.yaml)",
    ),
    show=(
        "打印规则集（加 --resolved：合并 extends 之后）",
        "print a rule set (with --resolved: after merging 'extends')",
    ),
    resolved=(
        "打印合并后的规则集",
        "print the merged rule set",
    ),
    list_rules=(
        "内置规则集及其来源和版本",
        "the bundled rule sets, their sources and versions",
    ),
    validate=(
        "检查规则集并报告每个问题",
        "check rule sets and report every problem",
    ),
    schema=(
        "打印 JSON Schema：评分结果文档或规则集",
        "print a JSON Schema: the findings document or rule sets",
    ),
    schema_output=(
        "写入此文件而不是标准输出",
        "write to this file instead of standard output",
    ),
    allow_extends_anywhere=(
        "允许 extends: 指向规则集所在文件夹和内置目录之外的规则集（默认关闭：见 docs/security.md）",
        "let 'extends:' name a rule set outside the rule set's folder and the bundled "
        "catalogue (off by default: see docs/security.md)",
    ),
    rules=(
        "规则集 YAML 文件，或内置规则集的名称（见 list-rules）",
        "rule-set YAML file, or a bundled rule set's name (see list-rules)",
    ),
    rules_many=(
        "规则集 YAML 文件",
        "rule-set YAML files",
    ),
    format=(
        "输出格式；可重复（每种格式各需一个 --output，或用 --output-dir）。",
        "output format; repeat for several (each then needs an --output, or --output-dir). ",
    ),
    output=(
        "写入此文件（可重复）；未给 --format 时按扩展名判断格式：",
        "write to this file (repeatable); its extension picks the format when --format "
        "is not given: ",
    ),
    sheet=(
        "读取 .xlsx 数据中的这个工作表（默认第一个）",
        "the worksheet to read in .xlsx data (default: the first)",
    ),
    columns=(
        "把列标题对应到输入项的 YAML 文件（{标题: 输入项 | id | name | year | parent | "
        "declared.total | declared.grade | null}）",
        "YAML file mapping column headers to inputs ({header: input id | id | name | "
        "year | parent | declared.total | declared.grade | null})",
    ),
    summary=(
        "在标准错误上打印运行小结（默认：标准错误是终端时）",
        "print the end-of-run summary on stderr (default: when stderr is a terminal)",
    ),
    lang_global=(
        "命令的语言（帮助、提示和面向人的格式）；默认取规则集的 locale，"
        "其次取环境变量 PERFSCORE_LANG / LANG",
        "the command's language (help, messages and people's formats); default: the rule "
        "set's locale, else $PERFSCORE_LANG / $LANG",
    ),
    version=("显示版本号并退出", "show program's version number and exit"),
    help=("显示此帮助并退出", "show this help message and exit"),
    usage=("用法：", "usage: "),
    positionals=("位置参数", "positional arguments"),
    options=("选项", "options"),
    # the output formats of ``--format`` (a plugin's format shows its own description)
    fmt_table=("易读的表格（默认）", "readable tables (default)"),
    fmt_json=("评分结果文档", "the findings document"),
    fmt_csv=("每个评价对象 × 规则一行", "one row per subject × rule"),
    fmt_html=("自包含的 HTML 报告", "self-contained HTML report"),
    fmt_jsonl=("JSON Lines：运行、结果、小结", "JSON Lines: run, findings, summary"),
    fmt_junit=("JUnit XML（CI 测试报告）", "JUnit XML (CI test reports)"),
    fmt_md=("Markdown 摘要", "Markdown summary"),
    fmt_sarif=("SARIF 2.1.0（代码扫描）", "SARIF 2.1.0 (code scanning)"),
    fmt_xlsx=("Excel 工作簿（需要 perfscore[excel]）", "Excel workbook (needs perfscore[excel])"),
    # options other modules add to ``score``
    opt_score_store=(
        "同时把这次运行记入结果库（默认 $PERFSCORE_DB 或 perfscore.db）",
        "also record the run in the results store (default $PERFSCORE_DB or perfscore.db)",
    ),
    # options of the commands other modules add: ``opt_<command>_<option>``, or
    # ``opt_<option>`` for an option every store command shares
    opt_db=(
        "结果库的 URL 或 SQLite 文件（默认 perfscore.db）",
        "store URL or SQLite file (default perfscore.db)",
    ),
    opt_lang=("语言", "language"),
    opt_format=("输出格式", "output format"),
    opt_output=("写入此文件而不是标准输出", "write to this file instead of standard output"),
    opt_ruleset=(
        "只看用此规则集评分的结果：ID、ID@版本或 sha256 前缀",
        "only results scored with this rule set: ID, ID@VERSION or a sha256 prefix",
    ),
    opt_rescore=(
        "用此规则集重新为存储的输入评分（让不同版本规则集的结果按同一方法比较）",
        "re-score the stored inputs with this rule set (puts results of different rule-set "
        "versions on one method)",
    ),
    opt_add_data=(
        "该文档评分所用的评价对象数据（默认：文档所列文件，若仍在且未改动），以便重新评分",
        "the subject data the document was scored from (default: the files it names, when "
        "they are still there unchanged), so the run can be re-scored",
    ),
    opt_history_key=("部门的键（没有键时用编号）", "the department's key (or id, when no key)"),
    opt_compare_a=(
        "一个年度（2022）或一次运行（run:3，或哈希前缀）",
        "a period (2022) or a run (run:3, or a hash prefix)",
    ),
    opt_compare_b=("较晚的年度或运行", "the later period or run"),
    opt_rank_period=("年度", "the fiscal year"),
    opt_rank_by=("在每个主管部门内排名", "rank within each parent (主管部门)"),
    opt_template_rules=(
        "规则集 YAML 文件，或内置规则集的名称",
        "rule-set YAML file, or a bundled rule set's name",
    ),
    opt_template_output=("填报表 .xlsx、.csv 或 .yaml", "填报表.xlsx, .csv or .yaml"),
    opt_template_years=(
        "分年输入项每年一列的年度（2022-2024，或 2022,2023,2024）；不给则分年输入项没有列",
        "years a series input gets a column for (2022-2024, or 2022,2023,2024);"
        " without it series inputs have no column",
    ),
    opt_extract_reports=("报告文件或其文件夹", "report files or folders of them"),
    opt_extract_template=(
        "模板文件，或内置模板：cn-dept-self-eval、cn-npc-office、cn-project-self-eval"
        "（默认 cn-dept-self-eval）",
        "template file, or a built-in one: cn-dept-self-eval, cn-npc-office, "
        "cn-project-self-eval (default cn-dept-self-eval)",
    ),
    opt_extract_no_checks=(
        "不把报告检查用的输入项（has_section_*、doubled_char_count …）写入 values",
        "leave the report-check inputs (has_section_*, doubled_char_count ...) out of values",
    ),
    opt_extract_strict=("缺少必需数字时以 3 退出", "exit 3 when a required figure was not found"),
    opt_review_rules=("评分规则集 YAML 文件", "scoring rule-set YAML file"),
    opt_review_data=(
        "带 declared: 的评价对象数据文件（YAML 或 JSON）",
        "subject data files (YAML or JSON) with declared:",
    ),
    opt_review_review_rules=(
        "复核规则集（默认：内置 rules/cn-review.yaml 或其覆盖）",
        "review rule set (default: the bundled rules/cn-review.yaml, or an overlay of it)",
    ),
    opt_review_format=(
        "输出格式（可重复）；xlsx 为复核问题清单工作簿",
        "output format (repeatable); xlsx is the 复核问题清单 workbook",
    ),
    opt_review_output=("写入此文件（可重复）", "write to this file (repeatable)"),
    opt_review_output_dir=(
        "把每种请求的格式写入这个文件夹",
        "write every requested format into this folder",
    ),
    opt_review_sample=("抽取最值得抽查的 N 个评价对象", "draw the N subjects most worth 抽查"),
    opt_review_fail_on=(
        "有问题达到此级别或更严重时以 1 退出",
        "exit 1 when an issue has this level or worse",
    ),
    opt_review_execution=(
        "预算执行率指标的编号（默认：自动判断）",
        "id of the budget-execution indicator (default: guessed)",
    ),
    opt_review_budget_field=(
        "存放预算数的输入项（默认 budget_adjusted/budget）",
        "input holding 预算数 (default budget_adjusted/budget)",
    ),
    opt_review_executed_field=(
        "存放执行数的输入项（默认 executed）",
        "input holding 执行数 (default executed)",
    ),
    opt_review_template=(
        "数据是报告：先用此模板提取",
        "the data are reports: extract them with this template",
    ),
    opt_review_bom=("CSV：以 UTF-8 BOM 开头", "CSV: start with a UTF-8 BOM"),
    opt_review_sarif_all=("SARIF：也报告通过和不适用的结果", "SARIF: also pass / n/a results"),
    opt_review_store=(
        "结果库：抽样优先选从未抽过的评价对象，并记录这次复核（及其样本）"
        "（默认 $PERFSCORE_DB 或 perfscore.db）",
        "results store: the sample prefers subjects never sampled before, and this review "
        "(with its sample) is recorded (default $PERFSCORE_DB or perfscore.db)",
    ),
    cmd_add=(
        "把评分结果文档（.json 或 .jsonl）作为运行存入结果库",
        "store findings documents (.json or .jsonl) as runs",
    ),
    cmd_runs=("列出存储的运行", "list the stored runs"),
    desc_extract=(
        "把部门整体支出绩效自评报告中的数字提取为规则集可评分的数据文件，"
        "并记下每个值所在的行和列。",
        "Extract the figures of 部门整体支出绩效自评报告 into the subject-data file a rule "
        "set scores, with the line and column each value came from.",
    ),
    desc_review=(
        "把每个评价对象的自评得分（declared：得分、总分、等级）与规则集按其数字重新计算的得分"
        "对照：偏离度、原因、等级 P0/P1/P2、平台预警，以及复核问题清单。",
        "Compare each subject's declared scores (declared: points, total, grade) with the "
        "points the rule set recomputes from its figures: 偏离度, cause, level P0/P1/P2, the "
        "platform warnings, and the 复核问题清单.",
    ),
    # the summary line of the commands other modules add (extract, template, store, ...)
    cmd_extract=(
        "把自评报告（.txt、.docx、.pdf）读成评价对象数据",
        "read self-evaluation reports (.txt, .docx, .pdf) into subject data",
    ),
    cmd_template=(
        "写出空白数据表（.xlsx/.csv/.yaml），规则集的每个输入项一列",
        "write a blank data file (.xlsx/.csv/.yaml) with one column per input of a rule set",
    ),
    cmd_store=(
        "结果库：添加评分结果文档、列出运行",
        "the results store: add findings documents, list runs",
    ),
    cmd_history=(
        "一个部门逐年的总分、等级和指标",
        "one department's total, grade and indicators by period",
    ),
    cmd_compare=(
        "比较两个年度或两次运行：新增、已整改、仍存在、有变化的结果",
        "two periods or two runs: new, resolved, persisting, changed findings",
    ),
    cmd_rank=("为一个年度中已评级的部门排名", "rank the graded departments of a period"),
    cmd_review=(
        "复核：把自评得分与重新计算的得分对照",
        "re-check (复核) declared self-scores against the recomputed ones",
    ),
)


# -- the review (复核): the 复核问题清单 ----------------------------------------------------------

#: 复核维度 — which kind of re-check a row of the issue list belongs to.
REVIEW_DIMENSION = _table(
    claim=("指标得分", "indicator points"),
    arithmetic=("表内运算", "arithmetic on the form"),
    grade=("等级认定", "grade"),
    warning=("自评预警", "platform warning"),
    pattern=("人工复核要点", "hand-review pattern"),
    form=("填报规范", "form"),
)

#: A claim's cause, as the row's 复核发现.
REVIEW_CAUSE = _table(
    consistent=("自评与复核一致", "declared and recomputed agree"),
    contradicted=("自评高于数据支持的得分", "declared above what the figures support"),
    under_claimed=("自评低于复核得分", "declared below the recomputed points"),
    claim_without_data=("无数据支撑的自评得分", "points claimed without data"),
    above_weight=("自评得分超过该项分值", "points claimed above the indicator's weight"),
    cannot_recompute=("数据有误，无法复核", "the figures have an error: cannot recompute"),
    unknown_indicator=(
        "自评表列有规则集中没有的指标",
        "the form claims an indicator the rule set does not have",
    ),
    grade_misapplied=(
        "自评等级与自评得分所在等级不符",
        "the declared grade is not the band of the declared total",
    ),
    grade_unknown=("自评等级不是规则集的等级", "the declared grade is not one of the rule set's"),
    grade_consistent=("自评等级与自评得分一致", "the declared grade fits the declared total"),
    form_error=("自评数据无法读取", "a declared value cannot be read"),
    form_ignored=("自评数据中有被忽略的栏目", "some declared fields were ignored"),
    group_parts=(
        "分组自评得分不等于其下各项自评得分之和",
        "a group's declared points are not the sum of its declared parts",
    ),
    grade_none=("规则集不分等级", "the rule set has no grades"),
    grade_no_total=(
        "未填报自评得分，无法核对等级",
        "no total declared: the grade cannot be checked",
    ),
    nothing_declared=("未填报自评", "nothing declared"),
    check=("复核规则", "review rule"),
)

#: 处理建议 for a claim, by cause.
REVIEW_ADVICE = _table(
    contradicted=(
        "按复核得分调整自评得分，要求单位说明差异原因并补充佐证材料",
        "adjust to the recomputed points; ask the department to explain and give evidence",
    ),
    under_claimed=(
        "核实复核口径；如单位少计得分，告知单位并按复核得分认定",
        "check the recomputation; if the department under-counted, tell it and use ours",
    ),
    claim_without_data=(
        "要求单位补充该指标的完成值与指标值，未补充的按不适用或 0 分认定",
        "ask for the actual and target values; without them the indicator is n/a or 0",
    ),
    above_weight=("按分值上限更正自评得分", "cap the claim at the indicator's weight"),
    group_parts=(
        "按其下各项自评得分之和更正分组得分，或更正各项得分",
        "correct the group's points to the sum of its parts, or correct the parts",
    ),
    cannot_recompute=("更正数据后重新复核", "correct the figures and review again"),
    unknown_indicator=(
        "核对自评表指标名称与规则集；确属新增指标的，补充到规则集或说明理由",
        "match the form's indicators to the rule set; add genuinely new ones or explain them",
    ),
    grade_misapplied=("按自评得分所在等级更正自评等级", "correct the grade to the total's band"),
    grade_unknown=("按规则集等级（优/良/中/差）填报", "use the rule set's grades (优/良/中/差)"),
    form_error=("更正自评表中无法读取的数值", "correct the values that cannot be read"),
    nothing_declared=(
        "要求单位补报自评表（各指标自评得分、自评得分、等级）",
        "ask the department to file its self-evaluation (points, total, grade)",
    ),
    check=("核实并要求单位说明", "check, and ask the department to explain"),
)

#: 位置 of the review rule set's bundled checks (others show their title).
REVIEW_CHECK_LOCATION = _table(
    red_inflation=("自评表·预算执行得分与绩效指标得分", "form: execution vs indicator points"),
    yellow_budget=("预算执行情况", "budget execution"),
    total_adds_up=("自评表·自评得分", "form: total"),
    weights_add_up=("自评表·权重", "form: weights"),
    execution_score_follows=("自评表·预算执行得分", "form: execution points"),
    self_scored_full=("自评表·自评得分", "form: total"),
    all_full_marks=("本批自评表", "the batch's forms"),
    full_marks_unfinished=("自评表·绩效指标得分", "form: indicator points"),
    overachievement_unexplained=("绩效指标完成值", "indicator actual values"),
    cost_target_direction=("自评表·成本指标的指标值", "form: cost indicators' targets"),
    target_assessable=("自评表·指标值", "form: targets"),
    satisfaction_measured=("自评表·满意度指标实际完成值", "form: satisfaction actuals"),
)

#: 处理建议 of the review rule set's bundled checks (others: REVIEW_ADVICE["check"]).
REVIEW_CHECK_ADVICE = _table(
    red_inflation=(
        "重点复核产出、效益指标的完成值及佐证材料，核减无支出支撑的得分",
        "re-check output and benefit actuals and evidence; cut points spending does not support",
    ),
    yellow_budget=(
        "核实预算执行情况及未执行原因，视情况调减以后年度预算",
        "check execution and why money is unspent; consider cutting next year's budget",
    ),
    total_adds_up=("按各项得分之和更正自评得分", "correct the total to the sum of the parts"),
    weights_add_up=("按规则集分值更正自评表权重", "correct the form's weights to the rule set's"),
    execution_score_follows=(
        "按 分值 × 执行数 / 预算数 更正预算执行得分",
        "correct the execution points to weight × executed / budget",
    ),
    self_scored_full=("逐项核对满分指标的佐证材料", "check the evidence of every full mark"),
    all_full_marks=("扩大抽查范围，逐项核实", "widen the sample and check item by item"),
    full_marks_unfinished=(
        "核减未验收或资金未支出项目的满分指标",
        "cut full marks of projects not accepted or with money unspent",
    ),
    overachievement_unexplained=(
        "要求单位说明超额完成原因；指标值明显偏低的，按 10 号文扣减",
        "ask why the target was exceeded; deduct per 10号 where the target was set too low",
    ),
    cost_target_direction=(
        "按“≤”更正成本指标的指标值，并按更正后的指标值重新评分",
        "correct the cost targets to ≤ and score them again against the corrected target",
    ),
    target_assessable=(
        "要求单位细化、量化指标值；无法衡量的按严重程度扣分（严重扣完、中等扣 60%、轻微扣 30%）",
        "ask for measurable targets; deduct by severity (severe: all, medium: 60%, light: 30%)",
    ),
    satisfaction_measured=(
        "要求单位提供满意度调查结果（问卷、样本量）；无调查的不得按满分计",
        "ask for the satisfaction survey (questionnaire, sample); without one, no full marks",
    ),
)

#: 事实及判定 of a claim's row: ``{d}`` declared, ``{r}`` recomputed, ``{w}`` weight points;
#: ``{wn}``, ``{dev}``, ``{why}`` are phrases already in the row's language.
REVIEW_FACTS = _table(
    weight_note=("（分值 {w}）", " (weight {w})"),
    not_applicable=("不适用", "not applicable"),
    above_weight=(
        "自评 {d} 分，超过该项分值 {w} 分；判定：表内运算错误",
        "declared {d} points, above the weight of {w}; judgement: arithmetic error on the form",
    ),
    claim_without_data=(
        "自评 {d} 分{wn}，复核：{why}；判定：无数据支撑",
        "declared {d} points{wn}; re-check: {why}; judgement: no data supports the claim",
    ),
    cannot_recompute=(
        "自评 {d} 分{wn}，复核无法计算：{why}",
        "declared {d} points{wn}; cannot recompute: {why}",
    ),
    zero_not_applicable=(
        "自评 {d} 分{wn}，复核：{why}；判定：一致（未对不适用的指标计分）",
        "declared {d} points{wn}; re-check: {why}; judgement: consistent (no points claimed "
        "for an indicator that does not apply)",
    ),
    compared=(
        "自评 {d} 分，复核 {r} 分{wn}，相差 {diff} 分{dev}；判定：{verdict}",
        "declared {d} points, recomputed {r}{wn}, difference {diff}{dev}; judgement: {verdict}",
    ),
    deviation=("，偏离度 {p}", ", deviation {p}"),
    deviation_undefined=("，自评为 0，偏离度无定义", ", declared 0 so the deviation is undefined"),
    verdict_consistent=("一致", "consistent"),
    verdict_contradicted=("自评高于数据支持的得分", "declared above what the figures support"),
    verdict_under_claimed=("自评低于复核", "declared below the recomputation"),
    total_data_error=("部分指标数据有误", "some indicators' figures have errors"),
    total_nothing_scored=("没有可评分的指标", "no indicator could be scored"),
    nothing_declared=(
        "未填报各指标自评得分、自评得分或等级：不作为 0 分处理，无可复核的自评",
        "no indicator points, total or grade declared: not taken as 0, nothing to re-check",
    ),
    unknown_points=("{id}：自评 {d} 分", "{id}: declared {d} points"),
    unknown_hint=("（是否为 {hint}？）", " (did you mean {hint}?)"),
    unknown_weight=("{id}：权重 {w}", "{id}: weight {w}"),
    unknown_tail=(
        "；规则集 {rs} 没有这些指标，其得分无法复核（已列出，未计入各项之和）",
        "; rule set {rs} has no such indicators, so their points cannot be re-checked "
        "(listed, not counted in the parts)",
    ),
    separator=("；", "; "),
    list_separator=("、", ", "),
    group_parts=(
        "{group} 自评 {d} 分，其下各项自评得分之和 {parts} 分（{items}），相差 {diff} 分；"
        "判定：表内运算错误",
        "{group} declared {d} points but its parts add up to {parts} ({items}), a difference "
        "of {diff}; judgement: arithmetic error on the form",
    ),
    part=("{title} {d}", "{title} {d}"),
    grade_recomputed=("；复核等级：{g}", "; recomputed grade: {g}"),
    grade_not_recomputed=("；复核未评级", "; not graded on re-check"),
    grade_no_bands=(
        "自评等级 {g}；规则集 {rs} 没有等级",
        "declared grade {g}; rule set {rs} has no grades",
    ),
    grade_unknown=(
        "自评等级 {g} 不是 {names} 之一{rt}",
        "declared grade {g} is not one of {names}{rt}",
    ),
    grade_only=("自评等级 {g}{rt}", "declared grade {g}{rt}"),
    grade_consistent=(
        "自评得分 {t} 分属于{label}{rt}",
        "the declared total {t} falls in {label}{rt}",
    ),
    grade_misapplied=(
        "自评得分 {t} 分应为{should}，自评为{label}{rt}；判定：等级认定错误",
        "the declared total {t} is {should}, declared {label}{rt}; judgement: grade misapplied",
    ),
    no_grade=("无等级", "no grade"),
)

#: The review's terminal text.
REVIEW_TEXT = _table(
    heading=(
        "复核：{title}（{id}）× {rules} — {n} 个对象，{declared} 个填报了自评",
        "Review: {title} ({id}) × {rules} — {n} subjects, {declared} with declared scores",
    ),
    not_applicable=("不适用", "n/a"),
    mean=("平均 |偏离度|", "mean |deviation|"),
    most_inflated=("自评高估最多的指标：", "Indicators most over-claimed:"),
    inflated=(
        "{title}：{n} 个对象，合计高估 {excess} 分",
        "{title}: {n} subjects, {excess} points over-claimed in all",
    ),
    sample=("抽查样本：", "Sample:"),
    no_issue=("无问题", "no issue"),
)

#: The columns of the 复核问题清单.
REVIEW_COLUMNS = _columns(
    ("等级", "Level"),
    ("复核维度", "Dimension"),
    ("对象", "Subject"),
    ("位置", "Location"),
    ("复核发现", "Finding"),
    ("事实及判定", "Facts and judgement"),
    ("处理建议", "Action"),
    ("核验依据", "Basis"),
)
