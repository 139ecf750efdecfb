"""Rule-set load problems in Chinese: what a ``--lang zh`` run prints for a rule set that does
not load.

The problems are found in many places (the YAML reader, the models, the compiler, the
expression checker, each scorer) and each says itself in English, as the library's
:class:`~perfscore.errors.RuleSetError` does.  Here each kind of message is matched once and
said again in Chinese, names and ids (ASCII) kept as written; a message no pattern knows stays
English rather than being guessed at (``tests/test_loadwords.py`` breaks rule sets each way a
bureau does and checks each is said in Chinese).
"""

from __future__ import annotations

import re
from functools import partial

__all__ = ["hint_zh", "load_zh"]


def _family(en: str, zh: str, words: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """One pattern said of several words: ``{w}`` in each template is the word, English in the
    pattern, Chinese in its saying (a table of rows differing by one word, written once)."""
    return tuple((en.replace("{w}", a), zh.replace("{w}", b)) for a, b in words)


#: pydantic's "input should be a valid …" (the more particular first: tried in order)
_VALID = (
    (r"dictionary or instance of \w+", "应为映射（键: 值）"),
    (r"dictionary", "应为映射（键: 值）"),
    (r"(?:number|decimal)", "应为数字"),
    (r"integer", "应为整数"),
    (r"string", "应为文字"),
    (r"boolean", "应为 true 或 false"),
    (r"(?:list|tuple)", "应为列表"),
)
#: pydantic's bounds on a number ("input should be greater than 0")
_BOUND = (
    ("greater than or equal to", "应不小于"),
    ("greater than", "应大于"),
    ("less than or equal to", "应不大于"),
    ("less than", "应小于"),
)
#: what the compiler does not know ("unknown name 'x'")
_UNKNOWN = (("name", "名称"), ("function", "函数"), ("input", "输入项"), ("aggregator", "汇总方式"))
#: ids given twice within a scorer ("item id 'a' is used twice")
_TWICE = (("item", "条目"), ("tier", "档次"))
#: the expression checker's "cannot add a list" ({k}: the kind of value, said by _KINDS)
_KIND_VERBS = (
    ("add", "不能把{k}相加"),
    ("subtract", "不能把{k}相减"),
    ("multiply", "不能把{k}相乘"),
    ("divide", "不能把{k}相除"),
    ("negate", "不能对{k}取负"),
    ("compare", "不能比较{k}"),
    ("order", "不能比较{k}的大小"),
)

_ZH: tuple[tuple[str, str], ...] = (
    # -- YAML and structure ------------------------------------------------------------------
    (r"missing required key (?P<k>'[^']*')", r"缺少必填键 \g<k>"),
    (r"unknown key (?P<k>'[^']*')", r"未知的键 \g<k>"),
    (
        r"a tab character here: YAML indents with spaces only \(replace tabs with spaces\)",
        "此处有制表符：YAML 只能用空格缩进（请把制表符换成空格）",
    ),
    (
        r"not valid UTF-8 at byte (?P<n>\d+) \(save the file as UTF-8\)",
        r"第 \g<n> 字节不是有效的 UTF-8（请把文件存为 UTF-8）",
    ),
    (r"found duplicate key (?P<k>.*)", r"键重复：\g<k>"),
    (
        r"mapping values are not allowed here(?P<r>.*)",
        r"此处不能写映射值（冒号后要有空格，或把文字加引号）\g<r>",
    ),
    (r"found character '\\t' that cannot start any token(?P<r>.*)", r"制表符不能出现在这里\g<r>"),
    (r"expected <block end>, but found (?P<t>.*)", r"缩进不一致：此处应结束上一块，却遇到 \g<t>"),
    (r"could not find expected ':'(?P<r>.*)", r"找不到应有的冒号“:”\g<r>"),
    (r"did not find expected key(?P<r>.*)", r"此处应是一个键\g<r>"),
    (r"did not find expected node content(?P<r>.*)", r"此处缺少内容\g<r>"),
    (r"found unexpected end of stream(?P<r>.*)", r"文件意外结束（引号或括号未闭合？）\g<r>"),
    (r"expected ',' or '[}\]]', but got (?P<t>.*)", r"此处应是逗号或右括号，实为 \g<t>"),
    (
        r"a rule set is a mapping with 'perfscore', 'id', 'title', \.\.\.",
        "规则集应是含 perfscore、id、title 等键的映射",
    ),
    (
        r"rule language version (?P<v>'[^']*') is not supported \(this perfscore reads version "
        r"(?P<w>\w+)\)",
        r"不支持规则语言版本 \g<v>（本 perfscore 读取版本 \g<w>）",
    ),
    (r"(?P<g>'[^']*') is not one of (?P<c>[^(]*)$", r"\g<g> 不是 \g<c> 之一"),
    (
        r"unknown scorer type (?P<t>'[^']*') \(expected one of (?P<c>.*)\)",
        r"未知的评分方法 \g<t>（应为 \g<c> 之一）",
    ),
    (
        r"unknown scorer type (?P<t>'[^']*') \(known: (?P<c>.*)\)",
        r"未知的评分方法 \g<t>（已知：\g<c>）",
    ),
    (r"a scorer needs a 'type'", "评分方法需要 type"),
    (
        r"must be an ASCII identifier \(letters, digits, _; starting with a letter\)",
        "必须是 ASCII 标识符（字母、数字、_，以字母开头）",
    ),
    (
        r"(?P<i>'[^']*') is not an ASCII identifier: ids are read by machines and stay ASCII "
        r"\(letters, digits, _; starting with a letter\); the Chinese goes in the title "
        r"\(title: (?P<t>.*)\)",
        r"\g<i> 不是 ASCII 标识符：id 供程序读取，须为 ASCII（字母、数字、_，以字母开头）；"
        r"中文请写在 title 中（title: \g<t>）",
    ),
    # -- pydantic's words on a value ---------------------------------------------------------
    *_family(r"input should be a valid {w}(?P<r>.*)", r"{w}\g<r>", _VALID),
    *_family(r"input should be {w} (?P<n>\S+)", r"{w} \g<n>", _BOUND),
    (
        r"(?:list|tuple) should have at least (?P<n>\d+) items? after validation, not (?P<m>\d+)",
        r"至少应有 \g<n> 项，实有 \g<m> 项",
    ),
    (r"string should have at least (?P<n>\d+) characters?", r"至少应有 \g<n> 个字符"),
    (r"string should have at most (?P<n>\d+) characters?", r"最多 \g<n> 个字符"),
    (r"value error, (?P<r>.*)", r"取值有误：\g<r>"),
    (r"from (?P<a>\d+) is after to (?P<b>\d+)", r"起始年度 \g<a> 晚于截止年度 \g<b>"),
    (r"invalid value", "取值无效"),
    # -- names, weights, ids -----------------------------------------------------------------
    *_family(r"unknown {w} (?P<n>'[^']*')", r"未知的{w} \g<n>", _UNKNOWN),
    (r"unknown message field (?P<n>\{[^}]*\})", r"未知的消息字段 \g<n>"),
    (r"(?P<n>'[^']*') is a function; call it as (?P<c>.*)", r"\g<n> 是函数，请写成 \g<c>"),
    (r"(?P<n>'[^']*') is a value, not a function", r"\g<n> 是值，不是函数"),
    (r"metric (?P<n>'[^']*') has the same name as an input", r"计算指标 \g<n> 与输入项同名"),
    (r"metrics depend on each other in a cycle: (?P<c>.*)", r"计算指标循环依赖：\g<c>"),
    (r"rule id (?P<n>'[^']*') is already used", r"规则 id \g<n> 已被使用"),
    (
        r"indicator id (?P<n>'[^']*') is used twice \(first at (?P<w>.*)\)",
        r"指标 id \g<n> 用了两次（首次位于 \g<w>）",
    ),
    *_family(r"{w} id (?P<n>'[^']*') is used twice", r"{w} id \g<n> 用了两次", _TWICE),
    (
        r"the children's weights add up to (?P<a>\S+), not (?P<b>\S+) \(fix the weights, or set "
        r"'normalise: true' to scale them\)",
        r"下级指标权重合计 \g<a>，不是 \g<b>（请改正权重，或写 normalise: true 按比例缩放）",
    ),
    (
        r"the top-level weights add up to (?P<a>\S+), not the declared total (?P<b>\S+) \(fix the "
        r"weights or the total\)",
        r"一级指标权重合计 \g<a>，不是声明的总分 \g<b>（请改正权重或总分）",
    ),
    (
        r"the items' points add up to (?P<a>\S+), not the weight (?P<b>\S+)",
        r"各条目分值合计 \g<a>，不是权重 \g<b>",
    ),
    (r"(?P<p>\S+) points is outside \[0, weight (?P<w>[^\]]+)\]", r"\g<p> 分超出 [0, 权重 \g<w>]"),
    (
        r"floor (?P<p>\S+) is outside \[0, weight (?P<w>[^\]]+)\]",
        r"floor \g<p> 超出 [0, 权重 \g<w>]",
    ),
    (r"default (?P<d>\S+) is outside the tier's range", r"默认值 \g<d> 超出该档的范围"),
    (r"a points indicator needs a 'weight'", "给分的指标需要 weight"),
    (r"a points group needs a 'weight'", "给分的指标组需要 weight"),
    (r"a points scorer needs the indicator to have a weight", "给分的评分方法需要指标有 weight"),
    (r"a leaf indicator needs a 'scorer' \(or 'children'\)", "末级指标需要 scorer（或 children）"),
    (
        r"an indicator has either children or a value and scorer, not both",
        "指标要么有 children，要么有 value 和 scorer，不能兼有",
    ),
    (r"a (?P<t>\w+) scorer needs a 'value' expression", r"\g<t> 评分方法需要 value 表达式"),
    (r"a required input cannot have a default", "必填输入项不能有 default"),
    (r"choices apply to text inputs only", "choices 只适用于 text 输入项"),
    (r"an equal check needs 'left' and 'right'", "equal 检查需要 left 和 right"),
    (r"an assert check needs 'expr'", "assert 检查需要 expr"),
    (r"an explain_if check needs 'when' and 'require'", "explain_if 检查需要 when 和 require"),
    (
        r"grade bands go from the best down: each 'min' below the one before",
        "等级从高到低排列：每个 min 都要低于前一个",
    ),
    (r"top-level indicators mix points and letter grades", "一级指标混用了分数和字母等级"),
    # -- bands and ranges --------------------------------------------------------------------
    (
        r"gap between band (?P<a>'[^']*') and band (?P<b>'[^']*'): values there would fall through",
        r"分档 \g<a> 与 \g<b> 之间有空缺：落在其间的数值无档可归",
    ),
    (r"band (?P<a>'[^']*') overlaps band (?P<b>'[^']*')", r"分档 \g<a> 与 \g<b> 重叠"),
    (r"range (?P<r>'[^']*') is empty", r"区间 \g<r> 为空"),
    (
        r"cannot read range (?P<r>'[^']*'); write it like (?P<e>.*)",
        r"无法读取区间 \g<r>；请写成 \g<e>",
    ),
    (
        r"(?P<t>'[^']*') is not a number in a rule: percentages are ratios, write (?P<r>\S+)",
        r"规则中的 \g<t> 不是数：百分数写成比率，请写 \g<r>",
    ),
    (r"(?P<t>'[^']*') is not a number", r"\g<t> 不是数"),
    (
        r"pass_at is a share of the weight, within \[0, 1\]",
        "pass_at 是权重的比例，应在 [0, 1] 之内",
    ),
    (
        r"a tier's range is a share of the weight, within \[0, 1\]",
        "档次的范围是权重的比例，应在 [0, 1] 之内",
    ),
    (r"bands must all give points or all give a grade", "各档须都给分，或都给等级"),
    (r"a band gives either 'points' or 'grade'", "每档给 points 或 grade，二选一"),
    # -- expressions -------------------------------------------------------------------------
    (r"invalid syntax(?P<r>.*)", r"语法错误\g<r>"),
    (r"expression is empty", "表达式为空"),
    (r"cannot compare a number with text", "不能把数与文字比较"),
    (
        r"(?P<w>'[^']*') is not one of (?P<n>\w+)'s choices \((?P<c>[^)]*)\), so this comparison "
        r"can never hold",
        r"\g<w> 不是 \g<n> 的可选值（\g<c>）之一，这个比较永远不成立",
    ),
    (r"'=' is assignment; use '==' to compare", "“=” 是赋值；比较请用 “==”"),
    (
        r"(?P<f>\w+)\(\) takes (?P<w>.+?) arguments? \((?P<g>\d+) given\): (?P<d>.*)",
        r"\g<f>() 需要 \g<w> 个参数（实给 \g<g> 个）：\g<d>",
    ),
    (r"operator (?P<o>'[^']*') is not allowed(?P<r>.*)", r"不允许运算符 \g<o>\g<r>"),
    (r"names starting with '_' are not allowed: (?P<n>.*)", r"不允许以 _ 开头的名称：\g<n>"),
    *((rf"cannot {en} (?P<kind>.*)", zh.replace("{k}", r"\g<kind>")) for en, zh in _KIND_VERBS),
)
_COMPILED = tuple((re.compile(p + r"\Z", re.S), zh) for p, zh in _ZH)


def load_zh(message: str) -> str | None:
    """``message`` (a load problem in English) in Chinese, or None when no pattern knows it."""
    for pattern, zh in _COMPILED:
        m = pattern.match(message)
        if m is not None:
            groups = {k: v or "" for k, v in m.groupdict().items()}
            if "kind" in groups:  # the expression checker's words for a kind of value
                groups["kind"] = dict(_KINDS).get(groups["kind"], groups["kind"])
            said = re.sub(r"\\g<(\w+)>", partial(_group, groups), zh)
            return _STARTED.sub(r"（始于第 \1 行第 \2 列）", said)
    return None


#: the expression checker's words for a kind of value (expr.check._KIND_WORDS)
_KINDS = (
    (
        "a series (use a function such as sum(...), mean(...) or year(...))",
        "逐年序列（请用 sum(...)、mean(...) 或 year(...) 等函数）",
    ),
    ("None (a missing value; use coalesce(x, default))", "空值（缺数；请用 coalesce(x, 默认值)）"),
    ("a boolean (true/false)", "是/否值"),
    ("a list", "列表"),
    ("text", "文字"),
)


#: the YAML reader's context: " (while parsing a block mapping that started at line 3, column 1)"
_STARTED = re.compile(r" ?\((?:while|in) [^()]*? that started at line (\d+), column (\d+)\)")


def _group(groups: dict[str, str], ref: re.Match[str]) -> str:
    return groups[ref.group(1)]


def hint_zh(suggestion: str) -> str:
    """The "did you mean" hint in Chinese."""
    return f"（是否想写 {suggestion!r}？）"
