"""One self-contained HTML report: the indicator tree, the findings explained, and charts.

No network at all — inline CSS and inline SVG, no scripts — so the file can be mailed, archived
with the evaluation, or opened on an offline machine.  中文 renders through
``<meta charset="utf-8">`` and a CJK-capable font stack.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from .. import textsafe
from .._version import __version__
from ..evidence import evidence
from ..findings import Finding, Report, RuleInfo, SubjectResult, notification_text
from ..intervals import OP_SYMBOL, range_text
from ..numbers import is_cjk, json_number
from ..standing import rank, score_text, standing
from ..words import EXPLAIN, HTML, language
from ._common import (
    OUTCOME_LABELS,
    explanation,
    grade_text,
    message,
    number,
    overview_row,
    rule_title,
    subject_counts,
)
from ._registry import EXPORTERS, ExportOptions
from .svg import COLOURS, Bar, hbars, vbars

__all__ = ["report_to_html"]

FONTS = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif'
)

CSS = f"""
body {{ font-family: {FONTS}; margin: 0; color: #1f2328; background: #f6f7f9;
       line-height: 1.5; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 24px; }}
header {{ background: #12355b; color: #fff; padding: 20px 24px; }}
header h1 {{ margin: 0 0 4px; font-size: 22px; }}
header p {{ margin: 0; opacity: .85; font-size: 13px; }}
header code {{ background: rgba(255,255,255,.15); color: #fff; }}
section {{ background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 16px 20px;
          margin: 0 0 20px; }}
h2 {{ margin: 0 0 12px; font-size: 19px; }} h2 small {{ color: #666; font-weight: normal; }}
h3 {{ font-size: 15px; margin: 18px 0 8px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #eceef1; padding: 5px 8px; text-align: left;
          vertical-align: top; }}
th {{ background: #f3f5f8; }} td.num {{ text-align: right; white-space: nowrap; }}
tr.group td {{ font-weight: bold; background: #fafbfc; }}
.cards {{ display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }}
.card {{ border: 1px solid #dde1e6; border-radius: 6px; padding: 8px 14px; min-width: 120px; }}
.card b {{ display: block; font-size: 20px; }} .card span {{ font-size: 12px; color: #666; }}
.charts {{ display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }}
figure {{ margin: 8px 0; }} figcaption {{ font-size: 12px; color: #555; }}
svg.chart {{ max-width: 100%; height: auto; font-family: {FONTS}; }}
.o {{ padding: 1px 6px; border-radius: 4px; color: #fff; font-size: 12px; white-space: nowrap; }}
.o-pass {{ background: {COLOURS["pass"]}; }} .o-fail {{ background: {COLOURS["fail"]}; }}
.o-error {{ background: {COLOURS["error"]}; }}
.o-not_applicable {{ background: {COLOURS["not_applicable"]}; }}
.meter {{ display: inline-block; width: 80px; height: 8px; background: {COLOURS["track"]};
          border-radius: 4px; vertical-align: middle; margin-right: 6px; }}
.meter i {{ display: block; height: 8px; border-radius: 4px; background: {COLOURS["bar"]}; }}
ul.findings {{ padding-left: 0; list-style: none; }}
ul.findings li {{ border-left: 4px solid {COLOURS["fail"]}; padding: 6px 10px; margin: 6px 0;
                  background: #fffaf3; }}
ul.findings li.error {{ border-color: {COLOURS["error"]}; background: #fff5f5; }}
.why {{ color: #555; font-size: 12px; }} .reason {{ color: #555; }}
code {{ font-size: 12px; background: #f1f3f5; padding: 0 3px; border-radius: 3px; }}
footer {{ text-align: center; color: #888; font-size: 12px; padding: 12px; }}
"""

_W = HTML


def _e(x: object) -> str:
    return textsafe.html(str(x))


def _badge(outcome: str, lang: str) -> str:
    return (
        f'<span class="o o-{_e(outcome)}">{_e(OUTCOME_LABELS[lang].get(outcome, outcome))}</span>'
    )


def _pct(x: Decimal) -> str:
    return f"{json_number(x * 100)}%"


def _threshold(f: Finding) -> str:
    t = f.threshold
    if not t:
        return ""
    if "op" in t and "value" in t:
        shown, tol = _figure(t["value"], f.unit), t.get("tolerance")
        tol = f" ± {_figure(tol, f.unit)}" if isinstance(tol, Decimal) and tol else ""
        return f"{OP_SYMBOL.get(t['op'], t['op'])} {shown}{tol}"  # ≥ 95%, not >= 0.95
    if "name" in t:
        name, rng = str(t["name"]), t.get("range")
        if rng is None or rng == name:  # a band: its range is its name
            return range_text(name)
        return f"{name} {range_text(str(rng))}"
    return ""


def _figure(v: object, unit: str | None) -> object:
    """A standard's figure, exact, in its unit as the finding's value is shown (a ratio in %)."""
    if not isinstance(v, Decimal):
        return v
    if unit == "%":
        return f"{json_number(v * 100)}%"
    if not unit:
        return json_number(v)
    return f"{json_number(v)}{unit}" if is_cjk(unit) else f"{json_number(v)} {unit}"


def _profile(s: SubjectResult, rules: dict[str, RuleInfo], lang: str) -> str:
    bars = []
    for score in s.scores:
        rule = rules.get(score.rule_id)
        if rule is None or rule.parent is not None or score.weight is None:
            continue
        pts = score.points
        bars.append(
            Bar(
                rule_title(rule, lang, score.rule_id),
                float(pts or 0),
                float(score.weight),
                COLOURS.get(score.outcome, COLOURS["bar"]),
                f"{number(pts) or '—'} / {number(score.weight)}",
            )
        )
    if not bars:
        return ""
    title = _W[lang]["profile"]
    return f"<figure>{hbars(bars, title=title)}<figcaption>{_e(title)}</figcaption></figure>"


def _overview(report: Report, rules: dict[str, RuleInfo], lang: str) -> str:
    w = _W[lang]
    ranking = rank(report)
    rows = []
    for n, st in ranking.ranked:
        row = overview_row(st, lang, w["no_grade"], n)
        rows.append(
            f'<tr class="ranked"><td class="num">{n}</td>'
            f'<td><a href="#s-{_e(row.id)}">{_e(row.name)}</a><br><code>{_e(row.id)}</code></td>'
            f'<td class="num">{_e(row.score)}</td>'
            f'<td>{_e(row.grade)}</td><td class="num">{row.coverage}</td>'
            f'<td class="num">{row.fails}</td><td class="num">{row.errors}</td></tr>'
        )
    apart = []
    for st in ranking.unranked:
        row = overview_row(st, lang, w["no_grade"])
        apart.append(
            f'<tr class="unranked"><td><a href="#s-{_e(row.id)}">{_e(row.name)}</a>'
            f"<br><code>{_e(row.id)}</code></td>"
            f'<td class="num">{_e(row.score)}</td>'
            f'<td class="num">{row.coverage}</td>'
            f'<td class="reason">{_e(row.why)}</td>'
            f'<td class="num">{row.fails}</td><td class="num">{row.errors}</td></tr>'
        )
    graded = [st.result for _, st in ranking.ranked]
    # distribution of totals, in tenths of the maximum: ranked subjects only
    bins = [0] * 10
    for s in graded:
        if s.total is not None and s.max:
            bins[max(0, min(int(s.total * 10 / s.max), 9))] += 1
    hist = [Bar(f"{i * 10}–{i * 10 + 10}", float(c), text=str(c)) for i, c in enumerate(bins)]
    # grades, best average total first
    by_grade: dict[str, list[Decimal]] = {}
    for s in graded:
        if s.grade is not None:
            by_grade.setdefault(grade_text(s, w["no_grade"]), []).append(s.total or Decimal(0))
    order = sorted(by_grade, key=lambda g: (-sum(by_grade[g]) / len(by_grade[g]), g))
    grade_bars = [Bar(g, float(len(by_grade[g])), text=str(len(by_grade[g]))) for g in order]
    note = ""
    if ranking.unranked:
        note = w["note"].format(
            text=w["only_ranked"].format(n=len(graded), m=len(ranking.unranked))
        )
    # indicators failing (or erroring) most often
    failing: Counter[str] = Counter()
    for s in report.subjects:
        failing.update(f.rule_id for f in s.findings if f.outcome in ("fail", "error"))
    top = sorted(failing.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    top_bars = [
        Bar(rule_title(rules.get(r), lang, r), float(c), colour=COLOURS["fail"], text=str(c))
        for r, c in top
    ]
    charts = [
        f"<figure>{vbars(hist, title=w['histogram'], axis='%')}"
        f'<figcaption class="histogram">{_e(w["histogram"] + note)}</figcaption></figure>',
    ]
    if grade_bars:
        charts.append(
            f"<figure>{vbars(grade_bars, title=w['grades'], width=320)}"
            f'<figcaption class="grades">{_e(w["grades"] + note)}</figcaption></figure>'
        )
    if top_bars:
        charts.append(
            f"<figure>{hbars(top_bars, title=w['top'], width=560, label_width=240)}"
            f"<figcaption>{_e(w['top'])}</figcaption></figure>"
        )
    out = [
        f'<section class="overview"><h2>{_e(w["overview"])}</h2>'
        f'<div class="charts">{"".join(charts)}</div>'
        f'<h3>{_e(w["ranked"])}</h3><table class="ranking"><thead><tr><th>{_e(w["rank"])}</th>'
        f"<th>{_e(w['subject'])}</th><th>{_e(w['total'])}</th>"
        f"<th>{_e(w['grade'])}</th><th>{_e(w['coverage'])}</th><th>{_e(w['fail'])}</th>"
        f"<th>{_e(w['error'])}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    ]
    if apart:
        out.append(
            f'<h3>{_e(w["unranked"])}</h3><table class="unranked"><thead><tr>'
            f"<th>{_e(w['subject'])}</th><th>{_e(w['total'])}</th><th>{_e(w['coverage'])}</th>"
            f"<th>{_e(w['why'])}</th><th>{_e(w['fail'])}</th><th>{_e(w['error'])}</th></tr>"
            f"</thead><tbody>{''.join(apart)}</tbody></table>"
        )
    out.append("</section>")
    return "".join(out)


def _evidence(f: Finding | None, rule: RuleInfo | None, lang: str) -> str:
    ev = evidence(f, rule, lang) if f is not None else ""
    return f'<div class="why evidence">{_e(ev)}</div>' if ev else ""


def _explanation(f: Finding | None, lang: str) -> str:
    """The finding's arithmetic under its message ("" when it has none)."""
    text = explanation(f, lang)
    if not text:
        return ""
    said = EXPLAIN[language(lang)]["labelled"].format(text=text)
    return f'<div class="why explain">{_e(said)}</div>'


def _subject(s: SubjectResult, rules: dict[str, RuleInfo], lang: str) -> str:
    w = _W[lang]
    findings = {f.rule_id: f for f in s.findings}
    st = standing(s, tuple(rules.values()))
    total, fails, errors = subject_counts(s)
    brackets = " " + _W["zh"]["brackets"] + _W["en"]["brackets"]
    detail = score_text(st, lang).removeprefix(total).strip(brackets)
    out = [
        f'<section class="subject" id="s-{_e(s.subject.id)}">'
        f"<h2>{_e(s.subject.name or s.subject.id)} <small>{_e(s.subject.id)}</small></h2>",
        '<div class="cards">',
        f'<div class="card total"><b>{total}</b><span>'
        f"{w['label_detail'].format(label=_e(w['total']), detail=_e(detail))}</span></div>",
        f'<div class="card"><b>{_e(grade_text(s, w["no_grade"]))}</b>'
        f"<span>{_e(w['grade'])}</span></div>",
        f'<div class="card"><b>{_pct(s.coverage)}</b><span>{_e(w["coverage"])}</span></div>',
        f'<div class="card"><b>{fails}</b><span>{_e(w["fail"])}</span></div>',
        f'<div class="card"><b>{errors}</b><span>{_e(w["error"])}</span></div>',
        "</div>",
    ]
    reason = s.grade_reason_zh if lang == "zh" else s.grade_reason
    if s.grade is None and reason:
        because = w["why_no_grade"].format(label=_e(w["no_grade"]), reason=_e(reason))
        out.append(f'<p class="reason">{because}</p>')
    out.append(_profile(s, rules, lang))
    out.append(
        f'<table class="tree"><thead><tr><th>{_e(w["indicator"])}</th><th>{_e(w["value"])}</th>'
        f"<th>{_e(w['points'])}</th><th>{_e(w['outcome'])}</th><th>{_e(w['message'])}</th>"
        "</tr></thead><tbody>"
    )
    for score in s.scores:
        rule = rules.get(score.rule_id)
        f = findings.get(score.rule_id)
        level = (rule.level or 1) if rule else 1
        group = rule is not None and rule.kind == "group"
        if score.points is not None and score.weight:
            share = float(score.points / score.weight) * 100
            meter = f'<span class="meter"><i style="width:{share:.0f}%"></i></span>'
        else:
            meter = ""
        pts = (
            f"{number(score.points) or '—'} / {number(score.weight)}"
            if score.weight is not None
            else (score.grade or "—")
        )
        out.append(
            f'<tr class="{"group" if group else "indicator"}">'
            f'<td style="padding-left:{8 + 18 * (level - 1)}px">'
            f"{_e(rule_title(rule, lang, score.rule_id))}</td>"
            f'<td class="num">{_e(f.display or "") if f else ""}</td>'
            f'<td class="num">{meter}{pts}</td><td>{_badge(score.outcome, lang)}</td>'
            f"<td>{_e(message(f, lang)) if f else ''}{_evidence(f, rule, lang)}"
            f"{_explanation(f, lang)}</td></tr>"
        )
    out.append("</tbody></table>")
    checks = [f for f in s.findings if f.kind == "check"]
    if checks:
        out.append(
            f"<h3>{_e(w['checks'])}</h3><table><thead><tr><th>{_e(w['checks'])}</th>"
            f"<th>{_e(w['outcome'])}</th><th>{_e(w['message'])}</th></tr></thead><tbody>"
        )
        for f in checks:
            out.append(
                f"<tr><td>{_e(rule_title(rules.get(f.rule_id), lang, f.rule_id))}</td>"
                f"<td>{_badge(f.outcome, lang)}</td><td>{_e(message(f, lang))}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append(f"<h3>{_e(w['attention'])}</h3>")
    bad = [f for f in s.findings if f.outcome in ("fail", "error")]
    if not bad:
        out.append(f"<p>{_e(w['nothing'])}</p>")
    else:
        out.append('<ul class="findings">')
        for f in bad:
            why = [f"{w['rule']} <code>{_e(f.rule_id)}</code>"]
            if f.outcome == "fail":
                why.append(_e(f.severity))
            if f.display:
                why.append(f"{_e(w['value'])} {_e(f.display)}")
            std = _threshold(f)
            if std:
                why.append(f"{_e(w['standard'])} {_e(std)}")
            if f.reason and lang == "en":  # (the zh message says the reason in Chinese)
                why.append(_e(f.reason))
            if f.fields:
                codes = ", ".join(f"<code>{_e(x)}</code>" for x in f.fields)
                why.append(f"{_e(w['fields'])}: {codes}")
            ev = evidence(f, rules.get(f.rule_id), lang)
            if ev:
                why.append(_e(ev))
            loc = f.location
            if loc.line is not None:
                why.append(f"<code>{_e(loc.uri)}:{loc.line}</code>")
            out.append(
                f'<li class="{_e(f.outcome)}">{_badge(f.outcome, lang)} '
                f'{_e(message(f, lang))}<div class="why">{" · ".join(why)}</div>'
                f"{_explanation(f, lang)}</li>"
            )
        out.append("</ul>")
    for n in s.notifications:
        out.append(f'<p class="why">{_e(notification_text(n, lang))}</p>')
    out.append("</section>")
    return "".join(out)


@EXPORTERS.register("html", extensions=(".html", ".htm"), description="self-contained HTML report")
def report_to_html(report: Report, options: ExportOptions) -> bytes:
    lang = options.lang if options.lang in _W else "zh"
    w = _W[lang]
    rules = {r.id: r for r in report.rules}
    rs = report.ruleset
    title = str(rs.get("title") or rs.get("id"))
    n = len(report.subjects)
    body = [
        f"<header><h1>{_e(title)}</h1><p>{_e(rs.get('id'))} {_e(rs.get('version'))} · "
        f"{n} {_e(w['subjects'])} · {_e(w['run'])} <code>{report.run_id()}</code></p></header>",
        "<main>",
    ]
    if n > 1:
        body.append(_overview(report, rules, lang))
    body.extend(_subject(s, rules, lang) for s in report.subjects)
    body.append(f"</main><footer>perfscore {_e(__version__)}</footer>")
    html = (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    return html.encode("utf-8")
