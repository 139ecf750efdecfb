"""``perfscore review`` — the subcommand, for the main CLI to register.

    perfscore review RULES DATA... [--review-rules FILE] [--sample N] [--fail-on P0|P1|P2]
                     [--format F]... [-o FILE]... [--output-dir DIR] [--execution ID]
                     [--budget-field NAME] [--executed-field NAME] [--template T]

Without ``--format``/``-o`` it prints the 复核问题清单 and its summary.  An ``.xlsx`` output is
the 复核问题清单 workbook; every other format is the findings document (findings of kind
``review``) written by the same exporter ``perfscore score`` uses.

Exit status: 0 done; 1 an issue at or above ``--fail-on``; 2 usage or rule-set error;
3 data unreadable.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .. import words
from ..errors import ExportError
from ..export import EXPORTERS, ExportOptions, render, write_atomic
from ..textsafe import terminal
from .engine import Review
from .levels import LEVEL_LABELS, LEVELS

__all__ = ["add_subcommand", "render_text", "run"]


def add_subcommand(subparsers: Any) -> None:
    """Add ``review`` to the ``perfscore`` subcommands (an ``add_subparsers()`` result)."""
    p = subparsers.add_parser(
        "review",
        help="re-check (复核) declared self-scores against the recomputed ones",
        description=(
            "Compare each subject's declared scores (declared: points, total, grade) with the "
            "points the rule set recomputes from its figures: 偏离度, cause, level P0/P1/P2, the "
            "platform warnings, and the 复核问题清单."
        ),
    )
    p.add_argument("rules", help="scoring rule-set YAML file")
    p.add_argument("data", nargs="+", help="subject data files (YAML or JSON) with declared:")
    p.add_argument(
        "--review-rules",
        help="review rule set (default: the bundled rules/cn-review.yaml, or an overlay of it)",
    )
    p.add_argument(
        "--format",
        action="append",
        choices=sorted(EXPORTERS.names()),
        help="output format (repeatable); xlsx is the 复核问题清单 workbook",
    )
    p.add_argument("-o", "--output", action="append", help="write to this file (repeatable)")
    p.add_argument("--output-dir", help="write every requested format into this folder")
    p.add_argument("--sample", type=int, metavar="N", help="draw the N subjects most worth 抽查")
    p.add_argument(
        "--fail-on", choices=["P0", "P1", "P2"], help="exit 1 when an issue has this level or worse"
    )
    p.add_argument("--execution", help="id of the budget-execution indicator (default: guessed)")
    p.add_argument("--budget-field", help="input holding 预算数 (default budget_adjusted/budget)")
    p.add_argument("--executed-field", help="input holding 执行数 (default executed)")
    p.add_argument("--template", help="the data are reports: extract them with this template")
    p.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM")
    p.add_argument("--sarif-all", action="store_true", help="SARIF: also pass / n/a results")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help=argparse.SUPPRESS)
    p.add_argument(
        "--store",
        nargs="?",
        const="",
        metavar="URL",
        help="results store: the sample prefers subjects never sampled before, and this review "
        "(with its sample) is recorded (default $PERFSCORE_DB or perfscore.db)",
    )


def _term(text: str) -> str:
    return terminal(text)


def render_text(rv: Review, lang: str = "zh") -> str:
    """The issue list and summary as plain text for a terminal, in ``lang`` (zh or en)."""
    text = words.REVIEW_TEXT[words.language(lang)]
    dims = words.REVIEW_DIMENSION[words.language(lang)]
    summary = rv.summary()
    counts = summary["by_level"]
    mean = summary["mean_abs_deviation"]
    lines = [
        text["heading"].format(
            title=rv.ruleset.title,
            id=rv.ruleset.id,
            rules=rv.rules.id,
            n=summary["subjects"],
            declared=summary["declared"],
        ),
        " · ".join(f"{LEVEL_LABELS[lv]} {counts[lv]}" for lv in LEVELS)
        + f" · {text['not_applicable']} {counts['not_applicable']}"
        + (f" · {text['mean']} {mean * 100:.2f}%" if mean is not None else ""),
        "",
    ]
    en = words.language(lang) == "en"
    for s, it in rv.issues():
        who = s.subject.id
        if s.subject.name:
            who = f"{s.subject.name} ({who})" if en else f"{s.subject.name}（{who}）"
        finding, facts, _ = it.text(lang)
        where = words.REVIEW_CHECK_LOCATION[words.language(lang)].get(it.rule_id, it.location)
        lines.append(
            f"[{LEVEL_LABELS[it.level]}] {dims.get(it.dimension, it.dimension)} · {who} · "
            f"{where}{': ' if en else '：'}{finding}" + (f" — {facts}" if facts else "")
        )
    if summary["most_inflated"]:
        lines += ["", text["most_inflated"]]
        for e in summary["most_inflated"]:
            lines.append(
                "  "
                + text["inflated"].format(title=e["title"], n=e["subjects"], excess=e["excess"])
            )
    if rv.sample is not None:
        lines += ["", text["sample"]]
        for e in rv.sample.entries:
            lines.append(f"  {e.rank}. {e.subject_id} — {'；'.join(e.reasons) or text['no_issue']}")
        lines += [f"  {line}" for line in rv.sample.statement]
    return "\n".join(_term(line) for line in lines) + "\n"


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``perfscore review`` with parsed ``args``; returns the exit status."""
    from ..outputs import EXIT_FINDINGS, EXIT_OK, plan_outputs
    from ..ruleset import SubjectBatch, load_ruleset, load_subjects
    from .engine import review

    plan = plan_outputs(args)
    rs = load_ruleset(args.rules)
    rules = load_ruleset(args.review_rules) if args.review_rules else None
    if args.sample is not None and args.sample < 0:
        from ..outputs import UsageError

        raise UsageError("--sample needs a number of subjects, 0 or more")
    if args.template:
        from ..extract import subjects_from_reports

        batches = [
            SubjectBatch(tuple(subjects_from_reports(args.data, args.template)), "reports", "")
        ]
    else:
        batches = [load_subjects(path) for path in args.data]
    sampled_before = None
    if args.store is not None and args.sample is not None:
        import os

        from ..store import Store
        from .sample import sampled_before_in

        # the same default as `perfscore score --store`: $PERFSCORE_DB, else perfscore.db
        url = args.store or os.environ.get("PERFSCORE_DB") or "perfscore.db"
        with Store(url) as store:
            sampled_before = sampled_before_in(store)
    rv = review(
        rs,
        batches,
        rules=rules,
        execution=args.execution,
        budget_field=args.budget_field,
        executed_field=args.executed_field,
        sample=args.sample,
        sampled_before=sampled_before,
    )
    options = ExportOptions(lang=args.lang, bom=args.bom, sarif_all=args.sarif_all)
    rendered: list[tuple[Any, bytes]] = []
    failed: list[ExportError] = []  # a plugin format that fails: said, the others still written
    for t in plan:
        if t.format.name == "xlsx":
            rendered.append((t, rv.workbook()))
        elif t.format.name == "table":
            rendered.append((t, render_text(rv, args.lang).encode("utf-8")))
        else:
            try:
                rendered.append((t, render(t.format, rv.report, options)))
            except ExportError as e:
                failed.append(e)
    for t, data in rendered:
        if t.path is None:
            stdout.write(data.decode("utf-8"))
        else:
            write_atomic(t.path, data)
    if failed:
        raise ExportError("; ".join(str(e) for e in failed))
    if args.store is not None:
        from ..store.cli import record_score

        records = [r for b in batches for r in b.records]
        record_score(args.store, rv.report, records, stderr)
    if args.fail_on:
        limit = LEVELS.index(args.fail_on)
        if any(LEVELS.index(it.level) <= limit for _, it in rv.issues()):
            return EXIT_FINDINGS
    return EXIT_OK
