"""Why a rule set stays off the columnar path, in English and Chinese (#18): a run in
Chinese says it all in Chinese (``perfscore score --lang zh``: ``逐条评分（未走列式快速路径）：
…``), a run in English in English.  Every reason the planner and the column expressions give
comes from :data:`REASONS` (or is said in both languages where it is made)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..words import Bilingual, in_language

if TYPE_CHECKING:
    from ..compile import Compiled


class Unsupported(Exception):
    """The rule set uses something the columnar path does not mirror."""


__all__ = ["REASONS", "Unsupported", "about", "about_metric", "no", "readers", "said_both"]

#: key → (English, Chinese) templates
REASONS: dict[str, tuple[str, str]] = {
    "metric_aware": ("metric {name}: is_missing/coalesce",
                     "计算指标 {name}：用了 is_missing/coalesce"),
    "top_weights": ("top-level weights", "顶层权重与总分不一致"),
    "coverage_big": ("coverage denominators beyond int64", "覆盖率的分母超出 64 位整数"),
    "default_series": ("input {name}: a default series", "输入 {name}：逐年序列的默认值"),
    "default_kind": ("input {name}: default {d}", "输入 {name}：默认值 {d}"),
    "default_float": ("input {name}: default {d} is not a float cell",
                      "输入 {name}：默认值 {d} 不是浮点数能精确表示的值"),
    "check_require": ("check {id}: require", "检查 {id}：require"),
    "check_explained": ("check {id}: explained by {by}", "检查 {id}：由 {by} 说明"),
    "check_kind": ("check {id}: {kind}", "检查 {id}：类型 {kind}"),
    "weights_fine": ("{id}: weights too precise", "{id}：权重位数太多"),
    "input_kind": ("input {name} of type {kind}", "输入 {name} 的类型 {kind}"),
    "aggregate": ("{id}: aggregate {name}", "{id}：汇总方式 {name}"),
    "no_weight": ("{id}: child without weight", "{id}：有下级指标未设权重"),
    "node_aware": ("{id}: is_missing/coalesce", "{id}：用了 is_missing/coalesce"),
    "not_points": ("{id}: not a points scorer", "{id}：评分器不给分数"),
    "scorer": ("{id}: scorer {name}", "{id}：评分器 {name}"),
    "no_value": ("{id}: no value", "{id}：没有取值"),
    "full_fine": ("{id}: 'missing: full' with a weight finer than the places",
                  "{id}：'missing: full' 而权重位数多于保留小数位"),
    "full_letter": ("{id}: 'missing: full' on a letter indicator",
                    "{id}：字母等级指标用了 'missing: full'"),
    "is_series": ("input {name} is a series (figures per year)",
                  "输入 {name} 是逐年序列（每年一个数）"),
    "not_number": ("name {name} is not a number", "名称 {name} 不是数值"),
    "literal": ("number literal {text}", "数字 {text}"),
    "coalesce_of": ("coalesce() of {name}, not a number", "coalesce() 的参数 {name} 不是数值"),
    "coalesce_expr": ("coalesce() of an expression", "coalesce() 的参数是表达式"),
    "function": ("function {name}()", "函数 {name}()"),
    "construct": ("an expression the columns do not mirror: {text}",
                  "列式路径不支持的表达式写法：{text}"),
    "condition": ("a condition the columns do not mirror: {text}",
                  "列式路径不支持的条件写法：{text}"),
    "round_places": ("round() to places that are not a constant 0–12",
                     "round() 的位数不是 0–12 的常数"),
    "beyond_float": ("number {x} is beyond the float64 range this path allows",
                     "数 {x} 超出列式路径允许的浮点范围"),
    "series_bound": ("a series bound {x} a float does not hold", "逐年序列的界 {x} 浮点数表示不了"),
    "computed_series": ("{name}() of computed series", "{name}() 的参数是算出来的逐年序列"),
    "not_series": ("{text} is not a series", "{text} 不是逐年序列"),
    "item_points": ("item points finer than the places", "清单项分值位数多于保留小数位"),
    "not_letter": ("grade {x} is not one of the scale's letters", "等级 {x} 不在字母等级表里"),
    "otherwise": ("otherwise {x}", "分档之外（otherwise）的取值 {x}"),
    "syntax": ("an expression the columns cannot read: {text}", "列式路径读不了的表达式：{text}"),
    # what runs per row inside a columnar run (rowexpr.py): ColumnarScorer.per_row
    "per_row": ("run per row, calling a plug-in function: {what}; everything else by columns",
                "逐行计算（调用插件函数）：{what}；其余按列计算"),
    "per_row_metric": ("metric {name} ({calls})", "计算指标 {name}（{calls}）"),
    "per_row_leaf": ("indicator {id} ({calls})", "评分指标 {id}（{calls}）"),
    "per_row_when": ("the when of {id} ({calls})", "{id} 的适用条件（{calls}）"),
    "per_row_item": ("checklist item {id} ({calls})", "清单项 {id}（{calls}）"),
    "per_row_check": ("check {id} ({calls})", "检查 {id}（{calls}）"),
    "per_row_override": ("the grade override to {id} ({calls})",
                         "调整为等级 {id} 的条件（{calls}）"),
}  # fmt: skip


def said_both(key: str, **fields: object) -> Bilingual:
    """Reason ``key`` in both languages (fields that are :class:`Bilingual` per language)."""
    en, zh = REASONS[key]
    return Bilingual(
        en.format(**fields), zh.format(**{k: in_language(v, "zh") for k, v in fields.items()})
    )


def no(key: str, **fields: object) -> Unsupported:
    """:class:`Unsupported` saying reason ``key`` in both languages."""
    return Unsupported(said_both(key, **fields))


def readers(c: Compiled, name: str) -> list[str]:
    """The indicators that read ``name``, directly or through metrics (for a reason)."""
    reach = {name}
    for mt in c.metrics:
        if mt.expr.names & reach:
            reach.add(mt.name)
    found, stack = [], list(c.indicators)
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if not n.children and set(n.reads) & reach:
            found.append(n.id)
    return sorted(found)


def about_metric(c: Compiled, name: str, e: Unsupported) -> Unsupported:
    """``e`` said of metric ``name`` and the indicators reading it, in both languages."""
    found = readers(c, name)
    en = f"metric {name}" + (f" (read by {', '.join(found)})" if found else "")
    zh = f"计算指标 {name}" + (f"（{'、'.join(found)} 读它）" if found else "")
    return about(en, zh, e)


def about(en: str, zh: str, e: Any) -> Unsupported:
    """``e`` (an :class:`Unsupported` or its reason) said of what ``en``/``zh`` name."""
    why = e.args[0] if isinstance(e, Exception) and e.args else e
    if isinstance(e, Exception) and not e.args:
        why = type(e).__name__
    return Unsupported(Bilingual(f"{en}: {why}", f"{zh}：{in_language(why, 'zh')}"))
