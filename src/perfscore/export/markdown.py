"""Markdown summary for pasting into a report or a merge request.

A table of subjects (total, grade, counts), then for each subject only what needs attention:
the failed and error findings.  Everything else is in the full outputs.
"""

from __future__ import annotations

from .. import textsafe
from ..evidence import evidence
from ..findings import Report
from ..standing import rank
from ..words import EXPLAIN, MARKDOWN, language
from ._common import OUTCOME_LABELS, explanation, message, overview_row
from ._registry import EXPORTERS, ExportOptions

__all__ = ["report_to_markdown"]

_WORDS = MARKDOWN


_cell = textsafe.markdown  # no raw HTML, links, emphasis, table breaks or control characters
_code = textsafe.markdown_code


@EXPORTERS.register("md", extensions=(".md", ".markdown"), description="Markdown summary")
def report_to_markdown(report: Report, options: ExportOptions) -> bytes:
    lang = options.lang if options.lang in _WORDS else "zh"
    w = _WORDS[lang]
    rules = {r.id: r for r in report.rules}
    rs = report.ruleset
    heading = f"{rs.get('title')} ({rs.get('id')} {rs.get('version')})"
    out = [f"## {_cell(heading)}", ""]
    ranking = rank(report)
    out.append(
        f"| {w['rank']} | {w['subject']} | {w['id']} | {w['total']} | {w['grade']} "
        f"| {w['coverage']} | {w['fail']} | {w['error']} |"
    )
    out.append("| ---: | --- | --- | ---: | --- | ---: | ---: | ---: |")
    for n, st in ranking.ranked:
        row = overview_row(st, lang, w["no_grade"], n)
        out.append(
            f"| {n} | {_cell(row.name)} | {_code(row.id)} | {_cell(row.score)} "
            f"| {_cell(row.grade)} | {row.coverage} | {row.fails} | {row.errors} |"
        )
    if ranking.unranked:
        out += ["", f"**{w['unranked']}**", ""]
        out.append(
            f"| {w['subject']} | {w['id']} | {w['total']} | {w['coverage']} | {w['why']} "
            f"| {w['fail']} | {w['error']} |"
        )
        out.append("| --- | --- | ---: | ---: | --- | ---: | ---: |")
        for st in ranking.unranked:
            row = overview_row(st, lang, w["no_grade"])
            out.append(
                f"| {_cell(row.name)} | {_code(row.id)} | {_cell(row.score)} | {row.coverage} "
                f"| {_cell(row.why)} | {row.fails} | {row.errors} |"
            )
    for s in report.subjects:
        out += ["", f"### {_cell(s.subject.name or s.subject.id)} ({_code(s.subject.id)})", ""]
        if s.grade is None:
            reason = s.grade_reason_zh if lang == "zh" else s.grade_reason
            if reason:
                out += [f"{w['no_grade']}: {_cell(reason)}", ""]
        bad = [f for f in s.findings if f.outcome in ("fail", "error")]
        if not bad:
            out.append(w["nothing"])
            continue
        for f in bad:
            label = OUTCOME_LABELS[lang][f.outcome]
            sev = f" · {f.severity}" if f.outcome == "fail" else ""
            ev = evidence(f, rules.get(f.rule_id), lang)
            tail = f" ({_cell(ev)})" if ev else ""
            out.append(f"- **{label}**{sev} {_code(f.rule_id)}: {_cell(message(f, lang))}{tail}")
            working = explanation(f, lang)
            if working:  # the arithmetic, nested under the finding
                said = EXPLAIN[language(lang)]["labelled"].format(text=working)
                out.append(f"  - {_cell(said)}")
    return ("\n".join(out) + "\n").encode("utf-8")
