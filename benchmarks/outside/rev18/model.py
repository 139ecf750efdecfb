"""rev18's independent model of rules/rev18-jtj-dept.yaml — written from the docs only, no perfscore.

One scoring walk, two arithmetics:
  * ``FRAC``  — fractions.Fraction everywhere: the oracle (exact rationals, one half-up rounding);
  * ``DEC``   — decimal.Decimal through a private 60-digit context, multiplications before
                divisions: the hand-written baseline that is timed.
The reader (``read_record``) is hand-written too: blanks in every written form, 万元/元 suffixes,
thousands separators, full-width digits, ``%`` on percents, ambiguous bare ratios refused.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

# ---------------------------------------------------------------- arithmetic backends


class _Frac:
    name = "fraction"

    @staticmethod
    def num(s):
        return Fraction(s)

    @staticmethod
    def div(a, b):
        return Fraction(a) / b

    @staticmethod
    def mul(a, b):
        return a * b

    @staticmethod
    def rnd(x, places=2):
        q = Fraction(10) ** places
        y = x * q
        if y >= 0:
            return Fraction(math.floor(y + Fraction(1, 2))) / q
        return -Fraction(math.floor(-y + Fraction(1, 2))) / q

    ZERO = Fraction(0)
    ONE = Fraction(1)


_CTX = Context(prec=60)
_Q = {p: Decimal(1).scaleb(-p) for p in range(0, 13)}


class _Dec:
    name = "decimal"

    @staticmethod
    def num(s):
        return Decimal(s)

    @staticmethod
    def div(a, b):
        return _CTX.divide(a, b)

    @staticmethod
    def mul(a, b):
        return _CTX.multiply(a, b)

    @staticmethod
    def rnd(x, places=2):
        return x.quantize(_Q[places], rounding=ROUND_HALF_UP, context=_CTX)

    ZERO = Decimal(0)
    ONE = Decimal(1)


FRAC = _Frac()
DEC = _Dec()

# ---------------------------------------------------------------- inputs (from my YAML)

M, I, P, N, B, T, S = "money", "integer", "percent", "number", "boolean", "text", "series"
INPUTS: dict[str, tuple] = {
    # name: (type, unit, required, min, max, choices/of)
    "budget_initial": (M, "万元", True, 0, None, None),
    "budget_final": (M, "万元", True, 0, None, None),
    "executed": (M, "万元", True, 0, None, None),
    "executed_h1": (M, "万元", False, 0, None, None),
    "adjust_amt": (M, "万元", False, None, None, None),
    "carryover": (M, "万元", False, 0, None, None),
    "basic_exp": (M, "万元", False, 0, None, None),
    "project_exp": (M, "万元", False, 0, None, None),
    "detail_amt": (M, "万元", False, 0, None, None),
    "proj_total": (I, None, False, 0, None, None),
    "proj_in_lib": (I, None, False, 0, None, None),
    "perf_cover": (P, None, False, 0, 100, None),
    "disclosed_budget": (B, None, False, None, None, None),
    "disclosed_final": (B, None, False, None, None, None),
    "disclosed_perf": (B, None, False, None, None, None),
    "verdict": (T, None, False, None, None, ("达成", "部分达成", "未达成")),
    "goal_ratio": (N, None, False, 0, 1, None),
    "clear_tier": (T, None, False, None, None, ("achieved", "partial", "not_achieved")),
    "exec_hist": (S, None, False, None, None, P),
    "three_public_budget": (M, "万元", False, 0, None, None),
    "three_public_actual": (M, "万元", False, 0, None, None),
    "staff_actual": (I, None, False, 0, None, None),
    "staff_authorised": (I, None, False, 0, None, None),
    "procure_plan": (M, "万元", False, 0, None, None),
    "procure_actual": (M, "万元", False, 0, None, None),
    "sys_finance": (B, None, False, None, None, None),
    "sys_asset": (B, None, False, None, None, None),
    "sys_procure": (B, None, False, None, None, None),
    "sys_contract": (B, None, False, None, None, None),
    "assets_total": (M, "万元", False, 0, None, None),
    "assets_used": (M, "万元", False, 0, None, None),
    "audit_issues": (I, None, False, 0, None, None),
    "audit_fixed": (I, None, False, 0, None, None),
    "monitor_times": (I, None, False, 0, 4, None),
    "road_km_plan": (N, None, False, 0, None, None),
    "road_km_done": (N, None, False, 0, None, None),
    "rural_km_plan": (N, None, False, 0, None, None),
    "rural_km_done": (N, None, False, 0, None, None),
    "bridge_plan": (I, None, False, 0, None, None),
    "bridge_done": (I, None, False, 0, None, None),
    "bus_plan": (I, None, False, 0, None, None),
    "bus_new": (I, None, False, 0, None, None),
    "signs_rate": (P, None, False, 0, 100, None),
    "quality_rate": (P, None, False, 0, 100, None),
    "pqi": (N, None, False, 0, 100, None),
    "ontime_rate": (P, None, False, 0, 100, None),
    "pay_rate": (P, None, False, 0, 100, None),
    "unit_cost_plan": (M, "元", False, None, None, None),
    "unit_cost_actual": (M, "元", False, None, None, None),
    "cost_budget": (M, "万元", False, 0, None, None),
    "cost_actual": (M, "万元", False, 0, None, None),
    "accidents": (I, None, False, 0, None, None),
    "level": (T, None, False, None, None, ("市本级", "区县")),
    "congestion_drop": (P, None, False, None, None, None),
    "pax_hist": (S, None, False, None, None, N),
    "overload_rate": (P, None, False, 0, 100, None),
    "maint_tier": (T, None, False, None, None, ("good", "fair", "poor")),
    "maint_score": (N, None, False, 0, 100, None),
    "ev_buses": (I, None, False, 0, None, None),
    "total_buses": (I, None, False, 0, None, None),
    "sat_public": (P, None, False, 0, 100, None),
    "sat_firm": (P, None, False, 0, 100, None),
    "complaints": (I, None, False, 0, None, None),
    "complaints_closed": (I, None, False, 0, None, None),
    "reported_rate": (P, None, False, None, None, None),
    "low_exec_reason": (T, None, False, None, None, None),
    "major_accident": (B, None, False, None, None, None),  # default false
}
DEFAULTS = {"major_accident": False}


class _Missing:
    __slots__ = ()

    def __repr__(self):
        return "MISSING"


class _Bad:
    __slots__ = ("why",)

    def __init__(self, why):
        self.why = why

    def __repr__(self):
        return f"BAD({self.why})"


MISSING = _Missing()

BLANKS = {"", "-", "--", "—", "——", "–", "/", "－", "／"}
TRUE_W = {"true", "yes", "y", "是", "√", "对"}
FALSE_W = {"false", "no", "n", "否", "×", "错"}
UNIT_FACTOR = {"元": Fraction(1, 10000), "千元": Fraction(1, 10), "万元": Fraction(1),
               "百万元": Fraction(100), "亿元": Fraction(10000)}


def _plain_number_text(s: str):
    """'3,435.02' / full width / '1e3' -> canonical decimal text, else None."""
    s = unicodedata.normalize("NFKC", s).strip().replace(",", "")
    if not s:
        return None
    body = s[1:] if s[0] in "+-" else s
    if not body or not all(c.isdigit() or c in ".eE+-" for c in body):
        return None
    if body.count(".") > 1 or body[0] in "eE":
        return None
    try:
        Decimal(s)
    except Exception:
        return None
    if "x" in s.lower() or "_" in s:
        return None
    return s


def read_cell(name, raw, B):
    """One cell -> value in backend B's numbers, MISSING, or _Bad."""
    typ, unit, _req, lo, hi, extra = INPUTS[name]
    if raw is None or (isinstance(raw, float) and raw != raw):
        return MISSING
    if isinstance(raw, str):
        st = unicodedata.normalize("NFKC", raw).strip()
        if st in BLANKS or raw.strip() in BLANKS:
            return MISSING
    if typ == S:
        return _read_series(name, raw, B)
    if typ == B_:
        return _read_bool(raw)
    if typ == T:
        return _read_text(raw, extra)
    return _read_num(raw, typ, unit, lo, hi, B)


B_ = B


def _read_bool(raw):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        w = unicodedata.normalize("NFKC", raw).strip().lower()
        if w in TRUE_W:
            return True
        if w in FALSE_W:
            return False
    return _Bad(f"not yes/no: {raw!r}")


def _read_text(raw, choices):
    if isinstance(raw, bool):
        return _Bad("bool in text")
    if isinstance(raw, int):
        v = str(raw)
    elif isinstance(raw, float):
        if raw != int(raw):
            return _Bad("fraction in text")
        v = str(int(raw))
    else:
        v = str(raw).strip()
    if choices and v not in choices:
        return _Bad(f"not a choice: {v}")
    return v


def _read_num(raw, typ, unit, lo, hi, B):
    pct_written = False
    if isinstance(raw, bool):
        return _Bad("bool in number")
    if isinstance(raw, int):
        txt = str(raw)
    elif isinstance(raw, float):
        if math.isinf(raw):
            return _Bad("inf")
        txt = repr(raw)
    elif isinstance(raw, Decimal):
        txt = str(raw)
    else:
        s = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "")
        factor = None
        if s.endswith("%"):
            if typ not in (P, N):
                return _Bad("% on non-percent")
            pct_written = True
            s = s[:-1].strip()
        else:
            for u in ("百万元", "千元", "万元", "亿元", "元"):
                if s.endswith(u):
                    if typ != M:
                        return _Bad("money unit on non-money")
                    factor = UNIT_FACTOR[u] / UNIT_FACTOR[unit]
                    s = s[: -len(u)].strip()
                    break
            else:
                for u in ("公里", "个", "人", "座", "条", "辆", "件", "起", "次", "万人次"):
                    if s.endswith(u):
                        s = s[: -len(u)].strip()
                        break
        t = _plain_number_text(s)
        if t is None:
            return _Bad(f"not a number: {raw!r}")
        if factor is not None and factor != 1:
            f = Fraction(Decimal(t)) * factor
            txt = _frac_text(f)
            if txt is None:
                return _Bad("unit conversion not exact")
        else:
            txt = t
    d = Decimal(txt)
    if not d.is_finite():
        return _Bad("not finite")
    if typ == I and d != d.to_integral_value():
        return _Bad("not whole")
    if typ == P:
        if not pct_written and 0 < d <= 1:
            return _Bad("ambiguous percent")
        if lo is not None and d < lo:
            return _Bad("below min")
        if hi is not None and d > hi:
            return _Bad("above max")
        return B.div(B.num(txt), B.num("100"))
    if typ == N and pct_written:
        return B.div(B.num(txt), B.num("100"))
    if lo is not None and d < lo:
        return _Bad("below min")
    if hi is not None and d > hi:
        return _Bad("above max")
    return B.num(txt)


def _frac_text(f: Fraction):
    d = f.denominator
    k = 0
    while d % 10 == 0 or d % 2 == 0 or d % 5 == 0:
        if d == 1:
            break
        f10 = f * 10
        f = f10
        k += 1
        d = f.denominator
        if k > 40:
            return None
    if f.denominator != 1:
        return None
    return str(Decimal(f.numerator).scaleb(-k))


def _read_series(name, raw, B):
    of = INPUTS[name][5]
    if raw is None:
        return MISSING
    if not isinstance(raw, dict):
        return _Bad("series not a mapping")
    out = {}
    for k, v in raw.items():
        y = int(k)
        if v is None or (isinstance(v, str) and v.strip() in BLANKS):
            out[y] = MISSING
            continue
        typ = of
        cell = _read_num(v, typ, None, None, None, B)
        if isinstance(cell, _Bad):
            return cell
        out[y] = cell
    if all(v is MISSING for v in out.values()):
        return MISSING
    return out


def read_record(rec, B):
    vals = rec.get("values", rec)
    out = {}
    for name in INPUTS:
        raw = vals.get(name)
        v = read_cell(name, raw, B)
        if v is MISSING and name in DEFAULTS:
            v = DEFAULTS[name]
        if v is MISSING and INPUTS[name][2]:
            v = _Bad("required")
        out[name] = v
    return out


# ---------------------------------------------------------------- scoring


class Miss(Exception):
    pass


class Err(Exception):
    pass


class ZeroDiv(Exception):
    pass


PLACEHOLDERS = {"无", "没有", "暂无", "无说明", "暂无说明", "没有说明", "无原因", "无原因说明", "略",
                "空", "待补充", "待填写", "n/a", "na", "none", "nil", "null", "tbd", "-", "/", "—"}


def _need(v, *names):
    bad = miss = False
    for n in names:
        x = v[n]
        if isinstance(x, _Bad):
            bad = True
        elif x is MISSING:
            miss = True
    if bad:
        raise Err
    if miss:
        raise Miss


class Scorer:
    """Score one read record with backend B. Returns (results, total, grade, coverage, checks)."""

    def __init__(self, B):
        self.B = B
        n = B.num
        self.c = {k: n(k) for k in ("0", "1", "2", "3", "4", "0.5", "0.95", "0.9", "0.98", "0.05",
                                      "0.03", "0.02", "0.005", "0.01", "0.1", "0.2", "1.5", "100",
                                      "0.8", "0.6", "0.7", "0.3", "0.4", "1.05", "50", "0.75")}

    # --- metrics: each returns a number or raises Miss/Err/ZeroDiv; zero_division per metric
    def _q(self, a, b, zd="error"):
        if b == 0:
            raise ZeroDiv(zd)
        return self.B.div(a, b)

    def metric(self, v, name):
        B, c = self.B, self.c
        if name == "exec_rate":
            _need(v, "executed", "budget_final")
            return self._q(v["executed"], v["budget_final"])
        if name == "exec_h1_rate":
            _need(v, "executed_h1", "budget_final")
            return self._q(v["executed_h1"], v["budget_final"])
        if name == "budget_dev":
            _need(v, "budget_final", "budget_initial")
            return self._q(abs(v["budget_final"] - v["budget_initial"]), v["budget_initial"])
        if name == "detail_rate":
            _need(v, "detail_amt", "budget_initial")
            return self._q(v["detail_amt"], v["budget_initial"])
        if name == "lib_rate":
            _need(v, "proj_in_lib", "proj_total")
            return self._q(v["proj_in_lib"], v["proj_total"], "not_applicable")
        if name == "adjust_rate":
            _need(v, "adjust_amt", "budget_initial")
            return self._q(abs(v["adjust_amt"]), v["budget_initial"])
        if name == "carry_rate":
            _need(v, "carryover", "budget_final")
            return self._q(v["carryover"], v["budget_final"])
        if name == "tp_rate":
            _need(v, "three_public_actual", "three_public_budget")
            return self._q(v["three_public_actual"], v["three_public_budget"], "not_applicable")
        if name == "staff_over":
            _need(v, "staff_actual", "staff_authorised")
            return v["staff_actual"] - v["staff_authorised"]
        if name == "procure_rate":
            _need(v, "procure_actual", "procure_plan")
            return self._q(v["procure_actual"], v["procure_plan"], "not_applicable")
        if name == "asset_rate":
            _need(v, "assets_used", "assets_total")
            return self._q(v["assets_used"], v["assets_total"])
        if name == "audit_rate":
            _need(v, "audit_fixed", "audit_issues")
            return self._q(v["audit_fixed"], v["audit_issues"])
        if name == "road_rate":
            _need(v, "road_km_done", "road_km_plan")
            return self._q(v["road_km_done"], v["road_km_plan"])
        if name == "rural_rate":
            _need(v, "rural_km_done", "rural_km_plan")
            return self._q(v["rural_km_done"], v["rural_km_plan"])
        if name == "cost_save":
            _need(v, "cost_budget", "cost_actual")
            return self._q(v["cost_budget"] - v["cost_actual"], v["cost_budget"])
        if name == "pax_growth":
            _need(v, "pax_hist")
            s = v["pax_hist"]
            a, b = s.get(2025, MISSING), s.get(2024, MISSING)
            if a is MISSING or b is MISSING:
                raise Miss
            return self._q(a - b, b, "not_applicable")
        if name == "ev_share":
            _need(v, "ev_buses", "total_buses")
            return self._q(v["ev_buses"], v["total_buses"])
        if name == "closed_rate":
            _need(v, "complaints_closed", "complaints")
            return self._q(v["complaints_closed"], v["complaints"])
        raise KeyError(name)

    # --- leaf value wrappers: ("ok", x) / ("na"|"error"|"zd_na"|"zd_err")
    def val(self, v, name):
        try:
            return self.metric(v, name)
        except ZeroDiv as e:
            if e.args[0] == "not_applicable":
                raise Miss from None  # not applicable
            raise Err from None

    # --- scorers
    def threshold(self, w, x, op, t):
        ok = {">=": x >= t, "<=": x <= t, "==": x == t, ">": x > t, "<": x < t}[op]
        return ("pass", w) if ok else ("fail", self.c["0"])

    def proportional(self, w, x, t, direction="higher"):
        B = self.B
        z = self.c["0"]
        if direction == "higher":
            if x >= t:
                return ("pass", w)
            if t <= 0 or x <= 0:
                return ("fail", z)
            return ("fail", B.rnd(B.div(B.mul(w, x), t)))
        if direction == "lower":
            if x <= t:
                return ("pass", w)
            if x <= 0 or t < 0:
                return ("fail", z)
            return ("fail", B.rnd(B.div(B.mul(w, t), x)))
        # equal
        if t == 0:
            return ("pass", w) if x == 0 else ("fail", z)
        if x == t:
            return ("pass", w)
        p = w - B.div(B.mul(w, abs(x - t)), abs(t))
        p = max(z, min(w, p))
        return ("fail", B.rnd(p))

    def deduct(self, w, x, start, direction, per, pts, count, floor=None):
        B = self.B
        d = (start - x) if direction == "below" else (x - start)
        if d <= 0:
            return ("pass", w)
        steps = B.div(d, per)
        if count == "started":
            steps = B.num(math.ceil(steps))
        elif count == "completed":
            steps = B.num(math.floor(steps))
        p = w - B.mul(steps, pts)
        fl = floor if floor is not None else self.c["0"]
        if p < fl:
            p = fl
        p = B.rnd(p)
        return ("fail", p)

    def bands(self, w, x, table):
        for lo, lo_inc, hi, hi_inc, pts in table:
            if lo is not None and (x < lo or (x == lo and not lo_inc)):
                continue
            if hi is not None and (x > hi or (x == hi and not hi_inc)):
                continue
            return ("pass" if pts == w else "fail", pts)
        return ("error", None)

    # ------------------------------------------------------------ the tree
    def score(self, v, with_checks=True):
        B, c = self.B, self.c
        R = {}  # id -> (outcome, points)
        COV = {}  # leaf id -> covered weight (from data)

        def leaf(lid, w, fn):
            try:
                out = fn()
            except Miss:
                out = ("na", None)
            except Err:
                out = ("error", None)
            R[lid] = out
            if out[0] in ("pass", "fail"):
                COV.setdefault(lid, w)
            return out

        W = lambda s: B.num(s)  # noqa: E731
        w1, w2, w3, w4 = c["1"], c["2"], c["3"], c["4"]

        # ---- decision
        def tier_reason():
            _need(v, "verdict")
            vv = v["verdict"]
            tid = "achieved" if vv == "达成" else "partial" if vv == "部分达成" else "not_achieved"
            r = v["goal_ratio"]
            if isinstance(r, _Bad):
                raise Err
            return self._tier(w3, tid, None if r is MISSING else r, c["0.8"], {
                "achieved": (c["0.8"], True, c["1"], True, None),
                "partial": (c["0.6"], True, c["0.8"], False, c["0.7"]),
                "not_achieved": (c["0"], True, c["0.6"], False, c["0.3"]),
            })

        def tier_clear():
            _need(v, "clear_tier")
            return self._tier(w3, v["clear_tier"], None, None, {
                "achieved": (c["0.8"], True, c["1"], True, None),
                "partial": (c["0.6"], True, c["0.8"], False, c["0.6"]),
                "not_achieved": (c["0"], True, c["0.6"], False, c["0"]),
            })

        leaf("d_goal_reason", w3, tier_reason)
        leaf("d_goal_clear", w3, tier_clear)
        self._group(R, "d_goal", W("6"), [("d_goal_reason", w3), ("d_goal_clear", w3)])

        leaf("d_budget_dev", w3, lambda: self.bands(w3, self.val(v, "budget_dev"), [
            (c["0"], True, c["0"], True, w3), (c["0"], False, c["0.05"], True, w2),
            (c["0.05"], False, c["0.1"], True, w1), (c["0.1"], False, None, None, c["0"])]))
        leaf("d_budget_detail", w2, lambda: self.threshold(w2, self.val(v, "detail_rate"), ">=", c["0.95"]))
        leaf("d_proj_lib", w1, lambda: self.proportional(w1, self.val(v, "lib_rate"), c["1"]))

        def perf_cover():
            _need(v, "perf_cover")
            return self.threshold(w1, v["perf_cover"], "==", c["1"])

        leaf("d_perf_cover", w1, perf_cover)
        self._checklist(R, COV, v, "d_disclose", w2, [("disclosed_budget", c["1"]), ("disclosed_final", c["0.5"]),
                                                     ("disclosed_perf", c["0.5"])], "not_applicable")
        self._group(R, "d_budgeting", W("9"), [("d_budget_dev", w3), ("d_budget_detail", w2), ("d_proj_lib", w1),
                                                ("d_perf_cover", w1), ("d_disclose", w2)])
        self._group(R, "decision", W("15"), [("d_goal", W("6")), ("d_budgeting", W("9"))])

        # ---- process
        leaf("p_exec", w4, lambda: self.deduct(w4, self.val(v, "exec_rate"), c["1"], "below", c["0.01"], c["0.5"], "started"))
        leaf("p_exec_h1", w2, lambda: self.threshold(w2, self.val(v, "exec_h1_rate"), ">=", c["0.5"]))
        leaf("p_adjust", w2, lambda: self.deduct(w2, self.val(v, "adjust_rate"), c["0"], "above", c["0.01"], c["0.2"], "exact"))
        leaf("p_carry", w2, lambda: self.bands(w2, self.val(v, "carry_rate"), [
            (c["0"], True, c["0"], True, w2), (c["0"], False, c["0.05"], True, c["1.5"]),
            (c["0.05"], False, c["0.1"], True, c["1"]), (c["0.1"], False, c["0.2"], True, c["0.5"]),
            (c["0.2"], False, None, None, c["0"])]))

        def hist_mean():
            _need(v, "exec_hist")
            s = v["exec_hist"]
            last = max(s)
            ys = [last - 2, last - 1, last]
            vals = [s.get(y, MISSING) for y in ys]
            if any(x is MISSING for x in vals):
                raise Err
            m = B.div(vals[0] + vals[1] + vals[2], c["3"])
            return self.threshold(w1, B.rnd(m, 4), ">=", c["0.9"])

        def hist_stable():
            _need(v, "exec_hist")
            s = v["exec_hist"]
            last = max(s)
            n = 0
            for y in (last - 2, last - 1, last):
                x = s.get(y, MISSING)
                if x is not MISSING and c["0.95"] <= x <= c["1.05"]:
                    n += 1
            return self.threshold(w1, B.num(n), ">=", c["2"])

        leaf("p_exec_hist", w1, hist_mean)
        leaf("p_exec_stable", w1, hist_stable)
        self._group(R, "p_exec_grp", W("12"), [("p_exec", w4), ("p_exec_h1", w2), ("p_adjust", w2), ("p_carry", w2),
                                               ("p_exec_hist", w1), ("p_exec_stable", w1)])

        leaf("p_three_public", w3, lambda: self.deduct(w3, self.val(v, "tp_rate"), c["1"], "above", c["0.01"], c["0.1"], "exact"))

        def staff():
            x = self.val(v, "staff_over")
            n = v["staff_authorised"]
            tol = c["1"] if 0 < n < 50 else c["0"]
            return self.threshold(w2, x, "<=", tol)

        leaf("p_staff", w2, staff)
        leaf("p_procure", w3, lambda: self.proportional(w3, self.val(v, "procure_rate"), c["1"], "equal"))
        self._group(R, "p_cost", W("8"), [("p_three_public", w3), ("p_staff", w2), ("p_procure", w3)], "mean")

        self._checklist(R, COV, v, "p_systems", w3, [("sys_finance", c["1"]), ("sys_asset", c["1"]),
                                                    ("sys_procure", c["0.5"]), ("sys_contract", c["0.5"])], "zero")
        leaf("p_asset", w2, lambda: self.proportional(w2, self.val(v, "asset_rate"), c["0.9"]))

        def audit():
            _need(v, "audit_issues")  # the when reads it
            if not v["audit_issues"] > 0:
                raise _NA
            return self.proportional(w2, self.val(v, "audit_rate"), c["1"])

        leaf_when("p_audit", w2, audit, leaf)

        def monitor():
            _need(v, "monitor_times")
            p = B.div(B.mul(v["monitor_times"], c["3"]), c["4"])
            p = max(c["0"], min(w3, p))
            p = B.rnd(p)
            return ("pass" if p == w3 else "fail", p)

        leaf("p_monitor", w3, monitor)
        self._group(R, "p_mgmt", W("10"), [("p_systems", w3), ("p_asset", w2), ("p_audit", w2), ("p_monitor", w3)])
        self._group(R, "process", W("30"), [("p_exec_grp", W("12")), ("p_cost", W("8")), ("p_mgmt", W("10"))])

        # ---- output
        leaf("o_road", w3, lambda: self.proportional(w3, self.val(v, "road_rate"), c["1"]))
        leaf("o_rural", w3, lambda: self.proportional(w3, self.val(v, "rural_rate"), c["1"]))

        def bridge():
            _need(v, "bridge_done", "bridge_plan")
            return self.threshold(w2, v["bridge_done"], ">=", v["bridge_plan"])

        def bus():
            _need(v, "bus_new", "bus_plan")
            return self.deduct(w2, v["bus_new"], v["bus_plan"], "below", c["1"], c["1"], "completed")

        def pct_leaf(name, fn):
            def f():
                _need(v, name)
                return fn(v[name])
            return f

        leaf("o_bridge", w2, bridge)
        leaf("o_bus", w2, bus)
        leaf("o_signs", w2, pct_leaf("signs_rate", lambda x: self.proportional(w2, x, c["0.95"])))
        self._group(R, "o_qty", W("12"), [("o_road", w3), ("o_rural", w3), ("o_bridge", w2), ("o_bus", w2), ("o_signs", w2)])

        leaf("o_q_pass", w4, pct_leaf("quality_rate", lambda x: self.threshold(w4, x, ">=", c["0.98"])))
        leaf("o_q_pqi", w4, pct_leaf("pqi", lambda x: self.bands(w4, x, [
            (W("90"), True, None, None, w4), (W("80"), True, W("90"), False, w3),
            (W("70"), True, W("80"), False, w2), (None, None, W("70"), False, c["0"])])))
        self._group(R, "o_quality", W("8"), [("o_q_pass", w4), ("o_q_pqi", w4)], "weakest_link")

        leaf("o_ontime", w3, pct_leaf("ontime_rate", lambda x: self.deduct(w3, x, c["1"], "below", c["0.05"], c["1"], "started", c["1"])))
        leaf("o_pay", w2, pct_leaf("pay_rate", lambda x: self.threshold(w2, x, ">=", c["0.95"])))
        self._group(R, "o_time", W("5"), [("o_ontime", w3), ("o_pay", w2)])

        def unit_cost():
            _need(v, "unit_cost_actual", "unit_cost_plan")
            return self.proportional(w3, v["unit_cost_actual"], v["unit_cost_plan"], "lower")

        leaf("o_unit_cost", w3, unit_cost)
        leaf("o_cost_save", w2, lambda: self.threshold(w2, self.val(v, "cost_save"), ">=", c["0"]))
        self._group(R, "o_cost", W("5"), [("o_unit_cost", w3), ("o_cost_save", w2)])
        self._group(R, "output", W("30"), [("o_qty", W("12")), ("o_quality", W("8")), ("o_time", W("5")), ("o_cost", W("5"))])

        # ---- effect
        leaf("e_accidents", w3, pct_leaf("accidents", lambda x: self.deduct(w3, x, c["0"], "above", c["1"], c["1.5"], "exact")))

        def congestion():
            _need(v, "level")
            if v["level"] != "市本级":
                raise _NA
            _need(v, "congestion_drop")
            return self.threshold(w2, v["congestion_drop"], ">=", c["0.05"])

        leaf_when("e_congestion", w2, congestion, leaf)
        leaf("e_traffic", w3, lambda: self.proportional(w3, self.val(v, "pax_growth"), c["0.03"]))
        leaf("e_overload", w2, pct_leaf("overload_rate", lambda x: self.deduct(w2, x, c["0.02"], "above", c["0.005"], c["0.5"], "completed")))
        self._group(R, "e_social", W("10"), [("e_accidents", w3), ("e_congestion", w2), ("e_traffic", w3), ("e_overload", w2)])

        def maint():
            _need(v, "maint_tier")
            r = v["maint_score"]
            if isinstance(r, _Bad):
                raise Err
            ratio = None if r is MISSING else B.div(r, c["100"])
            return self._tier(w3, v["maint_tier"], ratio, None, {
                "good": (c["0.8"], True, c["1"], True, None),
                "fair": (c["0.6"], True, c["0.8"], False, c["0.7"]),
                "poor": (c["0"], True, c["0.6"], False, c["0.3"]),
            })

        leaf("e_maint", w3, maint)
        leaf("e_green", w2, lambda: self.bands(w2, self.val(v, "ev_share"), [
            (c["0.8"], True, None, None, w2), (c["0.6"], True, c["0.8"], False, c["1.5"]),
            (c["0.4"], True, c["0.6"], False, c["1"]), (c["0"], True, c["0.4"], False, c["0"])]))
        self._group(R, "e_sustain", W("5"), [("e_maint", w3), ("e_green", w2)])

        leaf("e_sat_public", w4, pct_leaf("sat_public", lambda x: self.proportional(w4, x, c["0.9"])))
        leaf("e_sat_firm", w3, pct_leaf("sat_firm", lambda x: self.bands(w3, x, [
            (c["0.9"], True, None, None, w3), (c["0.8"], True, c["0.9"], False, w2),
            (c["0.6"], True, c["0.8"], False, w1), (None, None, c["0.6"], False, c["0"])])))

        def complaints():
            _need(v, "complaints")
            if not v["complaints"] > 0:
                raise _NA
            return self.threshold(w3, self.val(v, "closed_rate"), "==", c["1"])

        leaf_when("e_complaints", w3, complaints, leaf)
        self._group(R, "e_satisfy", W("10"), [("e_sat_public", w4), ("e_sat_firm", w3), ("e_complaints", w3)], "mean")
        self._group(R, "effect", W("25"), [("e_social", W("10")), ("e_sustain", W("5")), ("e_satisfy", W("10"))])

        # ---- total
        tops = [("decision", W("15")), ("process", W("30")), ("output", W("30")), ("effect", W("25"))]
        self._group(R, "@total", W("100"), tops)
        tot = R["@total"]
        total = tot[1] if tot[0] in ("pass", "fail") else None
        cov = B.div(sum(COV.values(), c["0"]), W("100"))
        grade = None
        if total is not None and cov >= c["0.6"]:
            for gid, mn in (("excellent", 90), ("good", 80), ("fair", 60), ("poor", 0)):
                if total >= mn:
                    grade = gid
                    break
            if grade is not None and v["major_accident"] is True:
                grade = "poor_accident"
        checks = self.checks(v) if with_checks else None
        return R, total, grade, cov, checks

    def _tier(self, w, tid, ratio, pass_at, tiers):
        B = self.B
        if tid not in tiers:
            return ("error", None)
        lo, lo_inc, hi, hi_inc, default = tiers[tid]
        if ratio is None:
            ratio = default if default is not None else hi
        else:
            if ratio < lo or (ratio == lo and not lo_inc) or ratio > hi or (ratio == hi and not hi_inc):
                return ("error", None)
        p = B.rnd(B.mul(w, ratio))
        if pass_at is not None:
            ok = p >= B.mul(w, pass_at)
        else:
            ok = p == w
        return ("pass" if ok else "fail", p)

    def _checklist(self, R, COV, v, cid, w, items, missing):
        B = self.B
        earned = self.c["0"]
        answered = self.c["0"]
        blank = False
        for name, pts in items:
            x = v[name]
            if isinstance(x, _Bad):
                R[cid] = ("error", None)
                return
            if x is MISSING:
                blank = True
                continue
            answered += pts
            if x:
                earned += pts
        if answered == 0:
            if missing == "zero":
                R[cid] = ("fail", self.c["0"])
            else:
                R[cid] = ("na", None)
            return
        if missing == "zero" or not blank:
            p = B.rnd(earned)
        else:
            p = B.rnd(B.div(B.mul(w, earned), answered))
        COV[cid] = answered
        R[cid] = ("pass" if p == w else "fail", p)

    def _group(self, R, gid, w, children, agg="weighted_sum"):
        B = self.B
        outs = [(R[k], cw) for k, cw in children]
        if any(o[0] == "error" for o, _ in outs):
            R[gid] = ("error", None)
            return
        app = [(o, cw) for o, cw in outs if o[0] != "na"]
        if not app:
            R[gid] = ("na", None)
            return
        allpass = all(o[0] == "pass" for o, _ in app)
        if agg == "weighted_sum":
            s = sum((o[1] for o, _ in app), self.c["0"])
            aw = sum((cw for _, cw in app), self.c["0"])
            p = s if aw == w else B.div(B.mul(s, w), aw)
        elif agg == "mean":
            shares = sum((B.div(o[1], cw) for o, cw in app), self.c["0"])
            p = B.div(B.mul(w, shares), B.num(len(app)))
        else:  # weakest_link
            p = B.mul(w, min(B.div(o[1], cw) for o, cw in app))
        p = B.rnd(p)
        R[gid] = ("pass" if allpass else "fail", p)

    def checks(self, v):
        B, c = self.B, self.c
        out = {}

        def run(cid, fn):
            try:
                out[cid] = fn()
            except Miss:
                out[cid] = "na"
            except (Err, ZeroDiv):
                out[cid] = "error"

        def nature():
            _need(v, "basic_exp", "project_exp", "executed")
            return "pass" if abs(v["basic_exp"] + v["project_exp"] - v["executed"]) <= c["0.005"] else "fail"

        def reported():
            _need(v, "reported_rate", "executed", "budget_final")
            r = self.metric(v, "exec_rate")
            return "pass" if v["reported_rate"] == B.rnd(r, 4) else "fail"

        def positive():
            _need(v, "budget_final")
            return "pass" if v["budget_final"] > 0 else "fail"

        def tp_within():
            _need(v, "three_public_budget")
            if not v["three_public_budget"] > 0:
                return "na"
            _need(v, "three_public_actual")
            return "pass" if v["three_public_actual"] <= v["three_public_budget"] else "fail"

        def low_exec():
            r = self.metric(v, "exec_rate")
            if not r < c["0.9"]:
                return "pass"
            x = v["low_exec_reason"]
            if isinstance(x, _Bad) or x is MISSING:
                return "fail"
            w = unicodedata.normalize("NFKC", x).strip().lower().strip("。.，,（）() ")
            return "fail" if (not w or w in PLACEHOLDERS) else "pass"

        run("nature_adds_up", nature)
        run("reported_rate_agrees", reported)
        run("budget_positive", positive)
        run("three_public_within", tp_within)
        run("low_exec_explained", low_exec)
        return out


class _NA(Exception):
    pass


def leaf_when(lid, w, fn, leaf):
    def g():
        try:
            return fn()
        except _NA:
            raise Miss from None
    return leaf(lid, w, g)


LEAVES = ["d_goal_reason", "d_goal_clear", "d_budget_dev", "d_budget_detail", "d_proj_lib", "d_perf_cover",
          "d_disclose", "p_exec", "p_exec_h1", "p_adjust", "p_carry", "p_exec_hist", "p_exec_stable",
          "p_three_public", "p_staff", "p_procure", "p_systems", "p_asset", "p_audit", "p_monitor",
          "o_road", "o_rural", "o_bridge", "o_bus", "o_signs", "o_q_pass", "o_q_pqi", "o_ontime", "o_pay",
          "o_unit_cost", "o_cost_save", "e_accidents", "e_congestion", "e_traffic", "e_overload", "e_maint",
          "e_green", "e_sat_public", "e_sat_firm", "e_complaints"]
GROUPS = ["d_goal", "d_budgeting", "decision", "p_exec_grp", "p_cost", "p_mgmt", "process", "o_qty",
          "o_quality", "o_time", "o_cost", "output", "e_social", "e_sustain", "e_satisfy", "effect"]
