"""JUnit XML for CI test widgets (GitLab, Jenkins, Azure Pipelines).

One ``testsuite`` per subject, one ``testcase`` per indicator/check: ``classname`` is the
subject id (GitLab's suite column) and ``name`` is ``rule id + title`` (GitLab keys cases by
classname + name, so the pair is unique).  fail → ``<failure type=severity>``, error →
``<error>``, not applicable → ``<skipped/>``; the message is repeated in the element text
because some consumers ignore the attribute.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .. import textsafe
from ..findings import Report
from ..standing import measure
from ._common import message, number, rule_title
from ._registry import EXPORTERS, ExportOptions

__all__ = ["report_to_junit"]

_x = textsafe.xml  # ElementTree escapes <&>" but writes what XML cannot carry verbatim


def _counts(el: ET.Element, tests: int, failures: int, errors: int, skipped: int) -> None:
    el.set("tests", str(tests))
    el.set("failures", str(failures))
    el.set("errors", str(errors))
    el.set("skipped", str(skipped))


@EXPORTERS.register(
    "junit", extensions=(".xml", ".junit.xml"), description="JUnit XML (CI test reports)"
)
def report_to_junit(report: Report, options: ExportOptions) -> bytes:
    rules = {r.id: r for r in report.rules}
    rs = report.ruleset
    root = ET.Element("testsuites", {"name": _x(f"perfscore {rs.get('id')} {rs.get('version')}")})
    totals = [0, 0, 0, 0]
    of = measure(report.rules)
    for s in report.subjects:
        st = of(s)
        suite = ET.SubElement(root, "testsuite", {"name": _x(s.subject.id)})
        counts = [0, 0, 0, 0]
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("subject.name", s.subject.name or ""),
            ("subject.type", s.subject.type),
            ("total", number(s.total)),
            ("earned", number(st.earned)),
            ("scorable", number(st.scorable)),
            ("max", number(s.max)),
            ("grade", s.grade or ""),
            ("grade_label", s.grade_label or ""),
            ("coverage", number(s.coverage)),
            ("ranked", "true" if st.ranked else "false"),
            ("not_ranked_reason", st.why(options.lang) or ""),
        ):
            ET.SubElement(props, "property", {"name": key, "value": _x(value)})
        for f in s.findings:
            rule = rules.get(f.rule_id)
            attrs = {
                "classname": _x(s.subject.id),
                "name": _x(f"{f.rule_id} {rule_title(rule, options.lang)}".strip()),
            }
            if f.location.uri:
                attrs["file"] = _x(f.location.uri)
            if f.location.line is not None:
                attrs["line"] = str(f.location.line)
            case = ET.SubElement(suite, "testcase", attrs)
            text = _x(message(f, options.lang))
            counts[0] += 1
            if f.outcome == "fail":
                counts[1] += 1
                el = ET.SubElement(case, "failure", {"message": text, "type": f.severity})
                detail = [text, f"rule {f.rule_id} · subject {s.subject.id}"]
                if f.display:
                    detail.append(f"value {f.display}")
                if f.points is not None or f.weight is not None:
                    detail.append(f"points {number(f.points) or '—'} / {number(f.weight)}")
                el.text = "\n".join(_x(d) for d in detail)
            elif f.outcome == "error":
                counts[2] += 1
                el = ET.SubElement(case, "error", {"message": text, "type": "evaluation-error"})
                el.text = _x(f.reason or text)
            elif f.outcome == "not_applicable":
                counts[3] += 1
                ET.SubElement(case, "skipped", {"message": text})
        _counts(suite, *counts)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    _counts(root, *totals)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")
