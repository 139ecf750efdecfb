"""The words of the ``mixed`` family's findings, written by hand from its rule set (titles,
standards, band and tier ranges) and the message forms docs/rule-language.md shows — what a
hand-written script hard-codes.  No perfscore import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from baselines import _amount, _percent, _plain

D = Decimal
Z = D(0)
INPUTS = {
    "budget": "全年预算数", "executed": "全年执行数", "basic": "基本支出", "project": "项目支出",
    "adjust": "预算调整数", "carry": "结转结余", "funds_due": "应到位资金",
    "funds_in": "实际到位资金", "procure_plan": "政府采购预算", "procure_done": "政府采购执行数",
    "plan_cost": "计划成本", "actual_cost": "实际成本", "tp_prev": "上年三公经费",
    "tp_cur": "本年三公经费", "staff_actual": "在职人员数", "staff_quota": "编制数",
    "tasks_done": "重点工作完成数", "tasks_plan": "重点工作计划数", "assets_ok": "账实相符资产数",
    "assets_all": "资产总数", "quality": "质量达标率", "satisfaction": "服务对象满意度",
    "transfer_timely": "转移支付下达及时率", "level": "预算级次",
    "targets_tier": "绩效目标合理性（评审等次）", "effect_tier": "社会效益（评审等次）",
    "disclosed_budget": "按规定公开部门预算", "disclosed_final": "按规定公开部门决算",
    "perf_published": "公开绩效自评结果", "rectified": "问题整改到位",
    "low_rate_reason": "预算执行率偏低原因说明",
}  # fmt: skip
#: metric: title, numerator, denominator (each metric is one quotient of two inputs)
METRICS = {
    "rate": ("预算执行率", "executed", "budget"),
    "adjust_rate": ("预算调整率", "adjust", "budget"),
    "carry_rate": ("结转结余率", "carry", "budget"),
    "funds_rate": ("资金到位率", "funds_in", "funds_due"),
    "procure_rate": ("政府采购执行率", "procure_done", "procure_plan"),
    "tp_change": ("三公经费变动率", "tp_cur", "tp_prev"),
    "staffing": ("在职人员控制率", "staff_actual", "staff_quota"),
    "task_rate": ("重点工作完成率", "tasks_done", "tasks_plan"),
    "asset_rate": ("资产账实相符率", "assets_ok", "assets_all"),
}
_SIGN = {">=": "≥", "<=": "≤", "==": "="}
_TIERS = {"achieved": "[0.8, 1]", "partial": "[0.6, 0.8)", "not_achieved": "[0, 0.6)"}
_STARTED = "预算执行率（低于 95% 每个百分点扣 1 分，不足 1 个百分点按 1 个计，最低 1 分）"
#: leaf: title, weight, what it reads (inputs or metrics, in the order they are read), standard:
#: ("op", op, target) for threshold/proportional/deduct, ("bands", {points: range}), ("tier",
#: input), or None (checklist, formula)
LEAVES: dict[str, tuple[str, Decimal, tuple[str, ...], Any]] = {
    "targets": ("绩效目标合理性", D(4), ("targets_tier",), ("tier", "targets_tier")),
    "adjust": ("预算调整率", D(4), ("adjust_rate",),
               ("bands", {D(4): "= 0", D(3): "(0, 5%]", D(2): "(5%, 10%]", Z: "> 10%"})),
    "carry": ("结转结余率", D(4), ("carry_rate",),
              ("bands", {D(4): "[0, 2%]", D(3): "(2%, 5%]", D("1.5"): "(5%, 15%)",
                         Z: ">= 15%"})),
    "staffing": ("在职人员控制率", D(4), ("staffing",),
                 ("bands", {D(4): "[0, 100%]", D("2.5"): "(100%, 105%]", Z: "> 105%"})),
    "three_public": ("三公经费变动率", D(4), ("tp_change",), ("op", "<=", Z)),
    "tp_down": ("三公经费不增长", D(4), ("tp_change",), ("op", "<=", Z)),
    "rate_ge": ("预算执行率（≥ 95% 得满分）", D(4), ("rate",), ("op", ">=", D("0.95"))),
    "rate_full": ("预算执行率（= 100% 得满分）", D(2), ("rate",), ("op", "==", D(1))),
    "rate_exact": ("预算执行率（低于 100% 每 1 个百分点扣 0.5 分）", D(5), ("rate",),
                   ("op", ">=", D(1))),
    "rate_started": (_STARTED, D(5), ("rate",), ("op", ">=", D("0.95"))),
    "overspend": ("超预算支出（超过 100% 每满 5 个百分点扣 1 分）", D(3), ("rate",),
                  ("op", "<=", D(1))),
    "rate_dev": ("预算执行偏差", D(3), ("rate",), ("op", "==", D(1))),
    "funds": ("资金到位率", D(3), ("funds_rate",), ("op", "==", D(1))),
    "procure": ("政府采购执行率", D(3), ("procure_rate",), ("op", ">=", D(1))),
    "disclosure": ("预决算公开与执行", D(5), ("disclosed_budget", "disclosed_final", "rate"),
                   None),
    "assets": ("资产管理（按整分计）", D(3), ("asset_rate",), None),
    "transfer": ("转移支付下达及时率（市级）", D(4), ("transfer_timely",), ("op", ">=", D("0.9"))),
    "tasks": ("重点工作完成率", D(4), ("task_rate",), ("op", ">=", D(1))),
    "tasks_all": ("重点工作全部完成", D(4), ("task_rate",), ("op", ">=", D(1))),
    "cost": ("成本控制（实际成本 ≤ 计划成本）", D(3), ("actual_cost", "plan_cost"),
             ("op", "<=", "plan_cost")),
    "quality": ("质量达标率（目标 95%）", D(4), ("quality",), ("op", ">=", D("0.95"))),
    "quality_bands": ("质量达标率分档", D(5), ("quality",),
                      ("bands", {Z: "[0, 60%)", D("2.5"): "[60%, 90%)", D(5): "[90%, 100%]"})),
    "effect": ("社会效益", D(4), ("effect_tier",), ("tier", "effect_tier")),
    "satisfaction": ("服务对象满意度", D(4), ("satisfaction",),
                     ("bands", {D(4): ">= 95%", D("3.2"): "[90%, 95%)", D("2.4"): "[80%, 90%)",
                                Z: "< 80%"})),
    "perf_use": ("绩效结果应用", D(4), ("perf_published", "rectified"), None),
    "staff_ok": ("不超编", D(2), ("staffing",), ("op", "<=", D(1))),
    "tp_ok": ("三公经费控制", D(2), ("tp_change",), ("op", "<=", Z)),
}  # fmt: skip
_WHEN = {"transfer": "level == 'city'"}


def _missing(names: tuple[str, ...], v: dict[str, Any]) -> list[str]:
    """The blank inputs behind ``names`` (a metric's inputs sorted), in the order read."""
    out: list[str] = []
    for n in names:
        reads = sorted(METRICS[n][1:]) if n in METRICS else [n]
        out += [r for r in reads if v.get(r) is None and r not in out]
    return out


def _no_data(missing: list[str]) -> tuple[str, str, tuple[str, ...]]:
    zh = "；".join(f"缺少数据：{INPUTS[n]}（{n}）" for n in missing)
    en = "; ".join(f"no data for '{n}'" for n in missing)
    return zh, en, tuple(sorted(missing))


def _why_not(i: str, reads: tuple[str, ...], v: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """Why leaf ``i`` is not applicable: (中文, English, fields)."""
    if i in _WHEN:
        level = v.get("level")
        if level is None:
            return _no_data(["level"])
        if level != "city":
            c = _WHEN[i]
            return f"条件 {c} 不成立", f"condition {c} is false", ()
    for m in reads:  # a metric that divides by zero says so first (metrics come before leaves)
        if m in METRICS:
            title, a, b = METRICS[m]
            if v.get(a) is not None and v.get(b) == 0:
                return f"{title}（{m}）的分母为零", f"'{m}' divides by zero", tuple(sorted((a, b)))
    return _no_data(_missing(reads, v))


def _value(n: str, v: dict[str, Any]) -> Decimal:
    if n in METRICS:
        _t, a, b = METRICS[n]
        return (v[a] - v[b]) / v[b] if n == "tp_change" else v[a] / v[b]
    return v[n]  # type: ignore[no-any-return]


def _finding(outcome: str, severity: str, **kw: Any) -> dict[str, Any]:
    f = {"outcome": outcome, "severity": severity, "points": None, "display": None,
         "threshold": None, "reason": None, "fields": (), "value": None}  # fmt: skip
    f.update(kw)
    return f


class _Words:
    """One leaf's constant words, made once (what a hand-written script hard-codes)."""

    def __init__(self, i: str) -> None:
        self.id = i
        self.title, self.weight, self.reads, std = LEAVES[i]
        self.wt = _plain(self.weight)
        self.kind = "none" if std is None else std[0]
        self.value = self.reads[0]
        self.money = i == "cost"
        self.fixed: tuple[str, str, dict[str, Any]] | None = None
        self.table: dict[Any, tuple[str, str, dict[str, Any]]] = {}
        if self.kind == "op" and not isinstance(std[2], str):
            th = {"op": std[1], "value": std[2]}
            self.fixed = (*_std(f"{_SIGN[std[1]]} {_percent(std[2])}"), th)
        elif self.kind == "op":
            self.op, self.target = std[1], std[2]
        elif self.kind == "bands":
            self.table = {p: (*_std(_shown(r)), {"name": r, "range": r}) for p, r in std[1].items()}
        elif self.kind == "tier":
            self.tier = std[1]
            self.table = {t: (*_std(_shown(r)), {"name": t, "range": r}) for t, r in _TIERS.items()}


def _std(text: str) -> tuple[str, str]:
    return f"（标准 {text}）", f" (standard {text})"


def _shown(rng: str) -> str:
    """A range as a finding shows it: ``>= 95%`` reads ``≥ 95%`` (the data keep ``>=``)."""
    for op, sign in (">=", "≥"), ("<=", "≤"), ("==", "="):
        if rng.startswith(op):
            return sign + rng[len(op) :]
    return rng


_WORDS = {i: _Words(i) for i in LEAVES}


def leaf_finding(i: str, p: Decimal | None, ok: bool, v: dict[str, Any]) -> dict[str, Any]:
    lw = _WORDS[i]
    if p is None:
        zh, en, fields = _why_not(i, lw.reads, v)
        return {"outcome": "not_applicable", "severity": "none", "points": None,
                "display": None, "threshold": None, "reason": en, "fields": fields,
                "value": None, "weight": lw.weight, "message": f"{lw.title}：不适用（{zh}）",
                "message_en": f"{i}: not applicable ({en})"}  # fmt: skip
    kind = lw.kind
    shown = x = None
    if kind == "none":
        zh_std = en_std = ""
        threshold = None
    elif kind == "tier":
        zh_std, en_std, threshold = lw.table[v[lw.tier]]
    else:
        x = _value(lw.value, v)
        if kind == "bands":
            zh_std, en_std, threshold = lw.table[p]
        elif lw.fixed is not None:
            zh_std, en_std, threshold = lw.fixed
        else:  # the target is an input (计划成本)
            t = v[lw.target]
            threshold = {"op": lw.op, "value": t}
            zh_std, en_std = _std(f"{_SIGN[lw.op]} {_amount(t)}万元")
        shown = _amount(x) + "万元" if lw.money else _percent(x)
    pts = _plain(p)
    if ok:
        tail, tail_en = f"，达标，得 {pts}/{lw.wt} 分", f", met, {pts}/{lw.wt} points"
    else:
        tail, tail_en = f"，未达标，得 {pts}/{lw.wt} 分", f", not met, {pts}/{lw.wt} points"
    if shown is None:
        msg, msg_en = f"{lw.title}{zh_std}{tail}", f"{i}{en_std}{tail_en}"
    else:
        msg, msg_en = f"{lw.title} {shown}{zh_std}{tail}", f"{i}: {shown}{en_std}{tail_en}"
    return {"outcome": "pass" if ok else "fail", "severity": "none" if ok else "warning",
            "points": p, "display": shown, "threshold": threshold, "reason": None,
            "fields": (), "value": x, "weight": lw.weight, "message": msg,
            "message_en": msg_en}  # fmt: skip


def _check_na(i: str, title: str, names: tuple[str, ...], v: dict[str, Any]) -> Any:
    missing = sorted(n for n in names if v.get(n) is None)
    if missing:
        zh, en, fields = _no_data(missing)
    else:
        zh, en = "预算执行率（rate）的分母为零", "'rate' divides by zero"
        fields = ("budget", "executed")
    return _finding(
        "not_applicable", "none", message=f"{title}：不适用（{zh}）",
        message_en=f"{i}: not applicable ({en})", reason=en, fields=fields,
    )  # fmt: skip


def _said(i: str, title: str, ok: bool, severity: str, zh: str, en: str, **kw: Any) -> Any:
    """A check's finding: ``title：zh`` / ``i: en``."""
    outcome, severity = ("pass", "none") if ok else ("fail", severity)
    return _finding(outcome, severity, message=f"{title}：{zh}", message_en=f"{i}: {en}", **kw)


def check_findings(v: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    g = v.get
    out = []
    i, title = "nature_adds_up", "基本支出 + 项目支出 = 执行数"
    b, pr, e = g("basic"), g("project"), g("executed")
    if b is None or pr is None or e is None:
        out.append((i, _check_na(i, title, ("basic", "project", "executed"), v)))
    else:
        left = b + pr
        L, R = _amount(left) + "万元", _amount(e) + "万元"
        th = {"op": "==", "value": e, "tolerance": Z}
        if left == e:
            zh, en = f"{L} = {R}，一致", f"{L} = {R}, consistent"
        else:
            d = _amount(abs(left - e)) + "万元"
            zh = f"{L} ≠ {R}（相差 {d}，容差 0万元）"
            en = f"{L} ≠ {R} (differs by {d}, tolerance 0万元)"
        out.append((i, _said(i, title, left == e, "error", zh, en, display=L, threshold=th)))
    i, title = "funds_within_due", "到位资金不超过应到位资金"
    a, n = g("funds_in"), g("funds_due")
    if a is None or n is None:
        out.append((i, _check_na(i, title, ("funds_in", "funds_due"), v)))
    elif a <= n:
        out.append((i, _said(i, title, True, "", "通过", "holds (funds_in <= funds_due)")))
    else:
        f = _said(i, title, False, "warning", "未通过", "does not hold (funds_in <= funds_due)")
        out.append((i, f))
    i, title = "low_rate_explained", "预算执行率低于 90% 须说明原因"
    bud = g("budget")
    if bud is None or e is None or bud == 0:
        out.append((i, _check_na(i, title, ("budget", "executed"), v)))
    elif e * 10 >= bud * 9:
        out.append((i, _said(i, title, True, "", "无需说明", "no explanation needed")))
    elif g("low_rate_reason"):
        zh = f"已说明（{INPUTS['low_rate_reason']}）"
        out.append((i, _said(i, title, True, "", zh, "explained (low_rate_reason)")))
    else:
        zh = f"条件 rate < 0.9 成立，但未提供“{INPUTS['low_rate_reason']}”"
        en = "rate < 0.9 holds but no low_rate_reason was given"
        out.append((i, _said(i, title, False, "warning", zh, en)))
    return out
