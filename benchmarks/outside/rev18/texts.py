"""rev18's hand-written "every text" baseline: per finding a dict with message (zh), message_en,
display, reason and fingerprint — its own tables, plain str/format of Decimals, no perfscore code."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import model

RULESET = "rev18_jtj_dept"
PCT, RAW = "%", ""
# id: (title, value kind: "%", unit text, or None for no value shown; value source; standard text)
META = {
    "d_goal_reason": ("绩效目标合理性", None, None, None),
    "d_goal_clear": ("绩效指标明确性", None, None, None),
    "d_budget_dev": ("预算编制准确性（偏差率分档）", PCT, "budget_dev", None),
    "d_budget_detail": ("预算细化率（≥95% 得满分）", PCT, "detail_rate", "≥ 95%"),
    "d_proj_lib": ("项目入库率", PCT, "lib_rate", "≥ 100%"),
    "d_perf_cover": ("绩效目标覆盖率（100% 得满分）", PCT, "perf_cover", "= 100%"),
    "d_disclose": ("预决算信息公开", None, None, None),
    "p_exec": ("预算执行率（每低 1 个百分点扣 0.5 分，不足 1 个百分点按 1 个百分点计）", PCT, "exec_rate", "≥ 100%"),
    "p_exec_h1": ("上半年预算执行进度（≥50% 得满分）", PCT, "exec_h1_rate", "≥ 50%"),
    "p_adjust": ("预算调整率（每超过 1 个百分点扣 0.2 分）", PCT, "adjust_rate", "≤ 0%"),
    "p_carry": ("结转结余率", PCT, "carry_rate", None),
    "p_exec_hist": ("近三年平均预算执行率（≥90% 得满分）", RAW, None, "≥ 0.9"),
    "p_exec_stable": ("近三年执行率稳定（至少两年在 95%–105%）", RAW, None, "≥ 2"),
    "p_three_public": ("三公经费控制率（每超过 1 个百分点扣 0.1 分）", PCT, "tp_rate", "≤ 100%"),
    "p_staff": ("在职人员控制（超编不超过容差）", "人", "staff_over", None),
    "p_procure": ("政府采购执行率（100% 得满分）", PCT, "procure_rate", "= 100%"),
    "p_systems": ("制度健全性", None, None, None),
    "p_asset": ("固定资产利用率（目标 90%）", PCT, "asset_rate", "≥ 90%"),
    "p_audit": ("审计整改率", PCT, "audit_rate", "≥ 100%"),
    "p_monitor": ("绩效运行监控（每季度一次）", None, None, None),
    "o_road": ("养护里程完成率", PCT, "road_rate", "≥ 100%"),
    "o_rural": ("农村公路新改建完成率", PCT, "rural_rate", "≥ 100%"),
    "o_bridge": ("危桥改造完成数（不少于计划）", "座", "bridge_done", None),
    "o_bus": ("新开公交线路（每少 1 条扣 1 分）", "条", "bus_new", None),
    "o_signs": ("交通标志标线完好率（目标 95%）", PCT, "signs_rate", "≥ 95%"),
    "o_q_pass": ("工程质量合格率（≥98%）", PCT, "quality_rate", "≥ 98%"),
    "o_q_pqi": ("路面使用性能指数 PQI", RAW, "pqi", None),
    "o_ontime": ("项目按期完工率（每低 5% 扣 1 分，最低 1 分）", PCT, "ontime_rate", "≥ 100%"),
    "o_pay": ("资金拨付及时率（≥95%）", PCT, "pay_rate", "≥ 95%"),
    "o_unit_cost": ("每公里养护成本（不高于计划成本）", "元", "unit_cost_actual", None),
    "o_cost_save": ("项目成本节约率（不超支）", PCT, "cost_save", "≥ 0%"),
    "e_accidents": ("安全生产责任事故（每起扣 1.5 分）", "起", "accidents", "≤ 0起"),
    "e_congestion": ("高峰拥堵指数下降率（市本级，≥5%）", PCT, "congestion_drop", "≥ 5%"),
    "e_traffic": ("公共交通客运量增长率（≥3%）", PCT, "pax_growth", "≥ 3%"),
    "e_overload": ("货车超限率（≤2%，每超 0.5 个百分点扣 0.5 分）", PCT, "overload_rate", "≤ 2%"),
    "e_maint": ("长效管护机制", None, None, None),
    "e_green": ("新能源公交占比", PCT, "ev_share", None),
    "e_sat_public": ("社会公众满意度（目标 90%）", PCT, "sat_public", "≥ 90%"),
    "e_sat_firm": ("运输企业满意度", PCT, "sat_firm", None),
    "e_complaints": ("投诉办结率（100%）", PCT, "closed_rate", "= 100%"),
}
WEIGHT = {"d_goal_reason": 3, "d_goal_clear": 3, "d_budget_dev": 3, "d_budget_detail": 2, "d_proj_lib": 1,
          "d_perf_cover": 1, "d_disclose": 2, "p_exec": 4, "p_exec_h1": 2, "p_adjust": 2, "p_carry": 2,
          "p_exec_hist": 1, "p_exec_stable": 1, "p_three_public": 3, "p_staff": 2, "p_procure": 3,
          "p_systems": 3, "p_asset": 2, "p_audit": 2, "p_monitor": 3, "o_road": 3, "o_rural": 3, "o_bridge": 2,
          "o_bus": 2, "o_signs": 2, "o_q_pass": 4, "o_q_pqi": 4, "o_ontime": 3, "o_pay": 2, "o_unit_cost": 3,
          "o_cost_save": 2, "e_accidents": 3, "e_congestion": 2, "e_traffic": 3, "e_overload": 2, "e_maint": 3,
          "e_green": 2, "e_sat_public": 4, "e_sat_firm": 3, "e_complaints": 3}
CHECK_TITLES = {
    "nature_adds_up": "基本支出 + 项目支出 = 全年执行数",
    "reported_rate_agrees": "自评报告所列执行率与执行数 / 预算数一致（按 0.01% 精度）",
    "budget_positive": "全年预算数为正",
    "three_public_within": "三公经费不超预算",
    "low_exec_explained": "预算执行率低于 90% 须说明原因",
}
OUT_ZH = {"pass": "达标", "fail": "未达标", "na": "不适用", "error": "错误"}
OUT_EN = {"pass": "met", "fail": "not met", "na": "not applicable", "error": "error"}


def _num(x) -> str:
    d = Decimal(x) if not isinstance(x, Decimal) else x
    s = format(d.quantize(Decimal("0.0001")) if d.as_tuple().exponent < -4 else d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _display(kind, x):
    if kind == PCT:
        return _num(x * 100) + "%"
    return _num(x) + (kind or "")


def _fingerprint(rule, subject):
    return "sha256:" + hashlib.sha256(f"{RULESET}\x1f{rule}\x1f{subject}".encode()).hexdigest()


def findings_texts(sid, v, R, checks, scorer):
    """Every finding's texts for one subject, as a list of dicts."""
    out = []
    for lid in model.LEAVES:
        title, kind, src, std = META[lid]
        o, p = R[lid]
        disp = None
        if kind is not None and src is not None and o in ("pass", "fail"):
            try:
                x = v[src] if src in v else scorer.metric(v, src)
                disp = _display(kind, x)
            except Exception:
                disp = None
        w = WEIGHT[lid]
        if o in ("pass", "fail"):
            pts = _num(p)
            head = f"{title} {disp}" if disp else title
            stdz = f"（标准 {std}）" if std else ""
            stde = f" (standard {std})" if std else ""
            msg = f"{head}{stdz}，{OUT_ZH[o]}，得 {pts}/{w} 分"
            msg_en = f"{lid}{': ' + disp if disp else ''}{stde}, {OUT_EN[o]}, {pts}/{w} points"
            reason = None
        elif o == "na":
            reason = "缺少数据或条件不成立"
            msg = f"{title}：不适用（{reason}）"
            msg_en = f"{lid}: not applicable (missing data or condition false)"
        else:
            reason = "数据有误，无法评分"
            msg = f"{title}：错误（{reason}）"
            msg_en = f"{lid}: error (a value could not be read)"
        out.append({"rule_id": lid, "outcome": o, "points": p, "message": msg, "message_en": msg_en,
                    "display": disp, "reason": reason, "fingerprint": _fingerprint(lid, sid)})
    for cid, o in checks.items():
        title = CHECK_TITLES[cid]
        if cid == "nature_adds_up" and o in ("pass", "fail"):
            left = v["basic_exp"] + v["project_exp"]
            right = v["executed"]
            rel = "=" if left == right else ("≈" if o == "pass" else "≠")
            msg = f"{title}：{_num(left)}万元 {rel} {_num(right)}万元，{'一致' if o == 'pass' else '不一致'}"
            msg_en = f"{cid}: {_num(left)}万元 {rel} {_num(right)}万元, {'consistent' if o == 'pass' else 'inconsistent'}"
            disp = f"{_num(left)}万元"
        else:
            msg = f"{title}：{OUT_ZH[o]}"
            msg_en = f"{cid}: {OUT_EN[o]}"
            disp = None
        out.append({"rule_id": cid, "outcome": o, "points": None, "message": msg, "message_en": msg_en,
                    "display": disp, "reason": None, "fingerprint": _fingerprint(cid, sid)})
    return out


def findings_plain(sid, v, R, checks, scorer):
    """The same findings without words: rule, outcome, points, weight, the value scored."""
    out = []
    for lid in model.LEAVES:
        _title, kind, src, _std = META[lid]
        o, p = R[lid]
        x = None
        if src is not None and o in ("pass", "fail"):
            try:
                x = v[src] if src in v else scorer.metric(v, src)
            except Exception:
                x = None
        out.append({"rule_id": lid, "subject": sid, "outcome": o, "points": p, "weight": WEIGHT[lid], "value": x})
    for cid, o in checks.items():
        out.append({"rule_id": cid, "subject": sid, "outcome": o, "points": None, "weight": None, "value": None})
    return out
