"""The located YAML loader: exact numbers, YAML 1.2 scalars, positions, and hostile input."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from perfscore._yaml import Document, Mark, load_yaml_file, load_yaml_text
from perfscore.errors import DataError, Problem, RuleSetError


def problems_of(text: str | bytes, **kwargs: Any) -> tuple[Problem, ...]:
    with pytest.raises(RuleSetError) as info:
        load_yaml_text(text, source="r.yaml", **kwargs)
    return info.value.problems


def only_problem(text: str | bytes, **kwargs: Any) -> Problem:
    problems = problems_of(text, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


# ---- numbers ----------------------------------------------------------------------------------


def test_floats_are_exact_decimals() -> None:
    data = load_yaml_text("a: 3137.52\nb: 278.1\n").data
    assert data == {"a": Decimal("3137.52"), "b": Decimal("278.1")}
    assert type(data["a"]) is Decimal
    assert data["a"] + data["b"] == Decimal("3415.62")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1_000.5", Decimal("1000.5")),
        ("1e3", Decimal("1000")),
        ("-2.5E-2", Decimal("-0.025")),
        (".5", Decimal("0.5")),
        ("1.50", Decimal("1.50")),
        (".inf", Decimal("Infinity")),
        ("-.inf", Decimal("-Infinity")),
        ("+.INF", Decimal("Infinity")),
    ],
)
def test_float_forms(text: str, expected: Decimal) -> None:
    value = load_yaml_text(f"v: {text}").data["v"]
    assert type(value) is Decimal
    assert value == expected


def test_trailing_zeros_are_kept() -> None:
    assert str(load_yaml_text("v: 1.50").data["v"]) == "1.50"


def test_nan_is_decimal_nan() -> None:
    value = load_yaml_text("v: .nan").data["v"]
    assert isinstance(value, Decimal)
    assert value.is_nan()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), ("-7", -7), ("+3", 3), ("0", 0), ("1_000", 1000), ("0x1F", 31), ("0o17", 15)],
)
def test_integer_forms(text: str, expected: int) -> None:
    value = load_yaml_text(f"v: {text}").data["v"]
    assert type(value) is int
    assert value == expected


def test_explicit_float_tag_on_integer_text() -> None:
    value = load_yaml_text("v: !!float 5").data["v"]
    assert value == Decimal("5")
    assert type(value) is Decimal


# ---- YAML 1.2 scalars -------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "tRuE"])
def test_yaml11_booleans_stay_strings(word: str) -> None:
    assert load_yaml_text(f"v: {word}").data == {"v": word}


@pytest.mark.parametrize(
    ("word", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False)],
)
def test_true_false_are_booleans(word: str, expected: bool) -> None:
    assert load_yaml_text(f"v: {word}").data["v"] is expected


@pytest.mark.parametrize("text", ["~", "null", "Null", "NULL", ""])
def test_nulls(text: str) -> None:
    assert load_yaml_text(f"v: {text}").data == {"v": None}


@pytest.mark.parametrize("text", ["2023-12-31", "2023-12-31T10:00:00Z", "1:30", "007", "0101"])
def test_dates_and_codes_stay_strings(text: str) -> None:
    assert load_yaml_text(f"v: {text}").data == {"v": text}


def test_quoted_scalars_are_strings() -> None:
    assert load_yaml_text("a: '12'\nb: \"true\"\nc: '1.5'\n").data == {
        "a": "12",
        "b": "true",
        "c": "1.5",
    }


def test_integer_keys_for_series() -> None:
    data = load_yaml_text("series: {2021: 0.98, 2022: 1.01}\n").data
    assert data == {"series": {2021: Decimal("0.98"), 2022: Decimal("1.01")}}
    assert all(type(k) is int for k in data["series"])


def test_mapping_order_is_kept() -> None:
    data = load_yaml_text("z: 1\na: 2\nm: 3\n").data
    assert list(data) == ["z", "a", "m"]


def test_json_loads_the_same_way() -> None:
    data = load_yaml_text('{"a": [1.50, 2, {"b": null}], "c": true, "d": "x"}').data
    assert data == {"a": [Decimal("1.50"), 2, {"b": None}], "c": True, "d": "x"}
    assert type(data["a"][0]) is Decimal


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n...\n"])
def test_empty_document_is_none(text: str) -> None:
    doc = load_yaml_text(text)
    assert doc.data is None
    assert doc.mark(["anything"]) is not None  # a "data must be a mapping" error has a line


def test_anchors_and_aliases_expand_to_independent_copies() -> None:
    doc = load_yaml_text("base: &b {w: 1}\nx: *b\ny: *b\n")
    assert doc.data == {"base": {"w": 1}, "x": {"w": 1}, "y": {"w": 1}}
    assert doc.data["x"] is not doc.data["y"]
    # The alias itself is located where it is written; its contents where the anchor is.
    assert doc.marks[("y",)] == Mark(3, 4)
    assert doc.marks[("y", "w")] == Mark(1, 14)


# ---- positions --------------------------------------------------------------------------------

RULES = """\
name: demo
indicators:
  - id: I1
    weight: 0.4
    levels:
      - [90, 100]
      - [60, 90]
  - id: I2
    weight: 0.6
"""


def test_marks_for_nested_paths_and_items() -> None:
    doc = load_yaml_text(RULES, source="rules/x.yaml")
    assert doc.source == "rules/x.yaml"
    assert doc.marks[()] == Mark(1, 1)
    assert doc.marks[("name",)] == Mark(1, 7)
    assert doc.marks[("indicators",)] == Mark(3, 3)
    assert doc.marks[("indicators", 0)] == Mark(3, 5)
    assert doc.marks[("indicators", 0, "weight")] == Mark(4, 13)
    assert doc.marks[("indicators", 0, "levels", 1)] == Mark(7, 9)
    assert doc.marks[("indicators", 0, "levels", 1, 1)] == Mark(7, 14)
    assert doc.marks[("indicators", 1, "id")] == Mark(8, 9)


def test_key_marks() -> None:
    doc = load_yaml_text(RULES)
    assert doc.key_marks[("indicators",)] == Mark(2, 1)
    assert doc.key_marks[("indicators", 1, "weight")] == Mark(9, 5)
    assert ("indicators", 0) not in doc.key_marks  # list items have no key


def test_mark_falls_back_to_longest_prefix() -> None:
    doc = load_yaml_text(RULES)
    assert doc.mark(["indicators", 1, "missing", "deeper"]) == Mark(8, 5)
    assert doc.mark([]) == Mark(1, 1)


def test_document_problem_is_located() -> None:
    doc = load_yaml_text(RULES, source="rules/x.yaml")
    problem = doc.problem(["indicators", 0, "weight"], "weights must sum to 1", code="weights")
    assert (problem.source, problem.line, problem.column) == ("rules/x.yaml", 4, 13)
    assert problem.path == ("indicators", 0, "weight")
    assert problem.code == "weights"
    assert str(problem).startswith("rules/x.yaml:4:13: indicators › [0] › weight: ")
    at_key = doc.problem(["indicators", 0, "weight"], "unknown field", key=True, suggestion="w")
    assert (at_key.line, at_key.column, at_key.suggestion) == (4, 5, "w")
    # key=True on a path without a key (list item) falls back to the value mark
    assert doc.problem(["indicators", 1], "x", key=True).line == 8


def test_sha256_of_raw_bytes() -> None:
    import hashlib

    raw = "名称: 预算\n".encode()
    assert load_yaml_text(raw).sha256 == hashlib.sha256(raw).hexdigest()
    assert load_yaml_text(raw.decode()).sha256 == hashlib.sha256(raw).hexdigest()


def test_columns_count_characters_not_bytes() -> None:
    doc = load_yaml_text("指标: {权重: 0.5}\n".encode())
    assert doc.data == {"指标": {"权重": Decimal("0.5")}}
    assert doc.marks[("指标", "权重")] == Mark(1, 10)


# ---- errors -----------------------------------------------------------------------------------

DUPLICATES = """\
name: a
indicators:
  I1:
    weight: 1
    expr: x
    weight: 2
  I2:
    expr: y
name: b
"""


def test_duplicate_keys_reported_all_with_lines() -> None:
    problems = problems_of(DUPLICATES)
    assert [(p.line, p.column, p.path, p.message) for p in problems] == [
        (6, 5, ("indicators", "I1", "weight"), "duplicate key 'weight' (first defined at line 4)"),
        (9, 1, ("name",), "duplicate key 'name' (first defined at line 1)"),
    ]
    assert all(p.source == "r.yaml" for p in problems)


def test_duplicate_integer_keys() -> None:
    problem = only_problem("s:\n  2021: 1\n  2021: 2\n")
    assert problem.message == "duplicate key 2021 (first defined at line 2)"
    assert (problem.line, problem.column) == (3, 3)


def test_same_key_in_sibling_mappings_is_fine() -> None:
    assert load_yaml_text("a: {x: 1}\nb: {x: 2}\n").data == {"a": {"x": 1}, "b": {"x": 2}}


def test_merge_keys_refused() -> None:
    problem = only_problem("base: &b {w: 1}\nx:\n  <<: *b\n  v: 2\n")
    assert problem.message == "merge keys (<<) are not supported"
    assert (problem.line, problem.column) == (3, 3)


def test_quoted_merge_key_is_plain_text() -> None:
    assert load_yaml_text("'<<': 1").data == {"<<": 1}


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("{true: 1}", 2),
        ("{null: 1}", 2),
        ("{1.5: 1}", 2),
        ("{[1, 2]: 1}", 2),
        ("{? {a: 1} : 1}", 4),
    ],
)
def test_bad_key_types_refused_at_the_key(text: str, column: int) -> None:
    problem = only_problem(text)
    assert "keys must be strings or integers" in problem.message
    assert (problem.line, problem.column) == (1, column)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!python/object:os.system echo", "!!python/object:os.system"),
        ("a: !!python/object/apply:os.system [echo]", "!!python/object/apply:os.system"),
        ("a: !!binary aGk=", "!!binary"),
        ("a: !!timestamp 2023-12-31", "!!timestamp"),
        ("a: !!set {x}", "!!set"),
        ("a: !custom 1", "!custom"),
    ],
)
def test_unsupported_tags_refused(text: str, tag: str) -> None:
    problem = only_problem(text)
    assert problem.message == f"unsupported tag {tag}"
    assert (problem.line, problem.column) == (1, 4)


def test_invalid_explicit_scalar() -> None:
    assert only_problem("a: !!int abc").message == "invalid integer 'abc'"


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_refused_quickly() -> None:
    started = time.perf_counter()
    problem = only_problem(billion_laughs())
    elapsed = time.perf_counter() - started
    assert problem.message == (
        "aliases expand the document by more than 200000 nodes (alias/anchor bomb?)"
    )
    assert problem.line is not None
    assert elapsed < 5  # generous: expansion is counted, never performed


def test_node_limit_counts_alias_expansion() -> None:
    text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"
    assert load_yaml_text(text, max_nodes=100).data["b"] == [[1, 2, 3]] * 3
    assert "more than 10 nodes" in only_problem(text, max_nodes=10).message


@pytest.mark.parametrize("text", ["a: &a [*a]", "a: &a\n  b: *a\n", "&r {x: [1, *r]}"])
def test_recursive_alias_refused(text: str) -> None:
    problem = only_problem(text)
    assert "recursive alias" in problem.message
    assert problem.line is not None


def test_depth_limit() -> None:
    # depth = length of a value's path: the innermost list of 11 is at path [0]*10
    assert load_yaml_text("[" * 11 + "]" * 11, max_depth=10).data is not None

    def nested(levels: int) -> str:
        return "\n".join("  " * i + "a:" for i in range(levels)) + " 1\n"

    assert load_yaml_text(nested(10), max_depth=10).data is not None
    problem = only_problem("[" * 12 + "]" * 12, max_depth=10)
    assert problem.message == "nesting is deeper than 10 levels"
    assert (problem.line, problem.column) == (1, 12)
    assert "deeper than 10" in only_problem(nested(11), max_depth=10).message


def test_very_deep_nesting_is_not_a_recursion_error() -> None:
    problem = only_problem("[" * 50_000 + "]" * 50_000)
    assert "nesting is deeper than 64 levels" in problem.message


def test_depth_limit_applies_after_alias_expansion() -> None:
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 12)]
    text = "\n".join(lines)
    assert load_yaml_text(text).data["a11"] is not None
    assert "nesting is deeper than 8 levels" in only_problem(text, max_depth=8).message


def test_undefined_alias() -> None:
    problem = only_problem("a: 1\nb: *nope\n")
    assert "*nope" in problem.message
    assert (problem.line, problem.column) == (2, 4)


def test_non_utf8_refused_with_byte_position() -> None:
    problem = only_problem(b"a: 1\nb: caf\xe9\n")
    assert problem.message.startswith("not valid UTF-8 at byte 11")
    assert (problem.line, problem.column) == (2, 7)


def test_non_utf8_error_keeps_cause() -> None:
    with pytest.raises(RuleSetError) as info:
        load_yaml_text(b"\xff")
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_utf8_bom_accepted_and_not_counted() -> None:
    doc = load_yaml_text(b"\xef\xbb\xbfa: 1\n")
    assert doc.data == {"a": 1}
    assert doc.marks[("a",)] == Mark(1, 4)


def test_size_limit_checked_before_parsing() -> None:
    text = "a: [" + "1, " * 50 + "]\n"
    problem = only_problem(text.encode(), max_bytes=100)
    assert problem.message == f"file is {len(text)} bytes; the limit is 100"
    assert only_problem("{{{{" * 100, max_bytes=100).message.startswith("file is 400 bytes")


def test_multiple_documents_refused() -> None:
    problem = only_problem("a: 1\n---\nb: 2\n")
    assert "more than one YAML document" in problem.message
    assert (problem.line, problem.column) == (2, 1)


def test_syntax_error_located() -> None:
    with pytest.raises(RuleSetError) as info:
        load_yaml_text("name: x\nweight: a: b\n", source="r.yaml")
    problem = info.value.problems[0]
    assert problem.message.startswith("mapping values are not allowed here")
    assert (problem.source, problem.line, problem.column) == ("r.yaml", 2, 10)
    assert isinstance(info.value.__cause__, yaml.YAMLError)
    assert str(info.value).startswith("r.yaml:2:10: mapping values are not allowed here")


def test_unclosed_flow_sequence_mentions_where_it_started() -> None:
    problem = only_problem("a: [1, 2\n")
    assert "started at line 1, column 4" in problem.message


def test_control_characters_refused() -> None:
    problem = only_problem("a: 1\nb: x\x00y\n")
    assert "#x0000" in problem.message
    assert (problem.line, problem.column) == (2, 5)


def test_data_error_when_asked() -> None:
    with pytest.raises(DataError) as info:
        load_yaml_text("a: 1\na: 2\n", error=DataError)
    assert info.value.problems[0].line == 2
    with pytest.raises(DataError):
        load_yaml_text("a: [", error=DataError)


# ---- files ------------------------------------------------------------------------------------


def test_load_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes("权重: 0.25\n".encode())
    doc = load_yaml_file(path)
    assert isinstance(doc, Document)
    assert doc.data == {"权重": Decimal("0.25")}
    assert doc.source == str(path)
    assert load_yaml_file(str(path), source="rules.yaml").source == "rules.yaml"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_yaml_file(tmp_path / "nope.yaml", source="nope.yaml", error=DataError)
    assert info.value.problems[0].source == "nope.yaml"
    assert "cannot read file" in info.value.problems[0].message
    assert isinstance(info.value.__cause__, OSError)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError):
        load_yaml_file(tmp_path)


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" * 100)
    with pytest.raises(RuleSetError, match="file is 500 bytes; the limit is 50"):
        load_yaml_file(path, max_bytes=50)


def test_file_errors_are_located(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load_yaml_file(path, source="dup.yaml")
    assert str(info.value.problems[0]).startswith("dup.yaml:6:5: ")


# ---- property: safe_dump output loads back to the same data ----------------------------------


class _DecimalDumper(yaml.SafeDumper):
    """Dumps a Decimal as its exact text (tagged !!float when the text looks like an int)."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_DecimalDumper.add_representer(Decimal, _represent_decimal)

# No digits in generated text: a digit string the YAML 1.1 dumper leaves plain (e.g. "1e3")
# is *meant* to load as a number here.  Tricky words are covered by `WORDS`.
_ALPHABET = "abcxyzABC 预算绩效:#-'\"!&*?{}[],|>%@`\t\n"
WORDS = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "N",
    "true",
    "null",
    "~",
    "",
    "2023-12-31",
    "007",
    "1.5",
    "12",
    "0x1F",
    "1:30",
    ".inf",
    "<<",
    "- x",
    "a: b",
    " lead",
    "trail ",
]
texts = st.one_of(st.text(_ALPHABET, max_size=12), st.sampled_from(WORDS))
decimals = st.builds(
    lambda digits, exp: Decimal(digits).scaleb(-exp),
    st.integers(-(10**12), 10**12),
    st.integers(0, 6),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), decimals, texts)
keys = st.one_of(texts, st.integers(-(10**6), 10**6))
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=30,
)


def assert_same(loaded: Any, original: Any) -> None:
    """Equality that also checks types (True != 1) and Decimal text (1.50 != 1.5)."""
    assert type(loaded) is type(original), (loaded, original)
    if isinstance(original, dict):
        assert list(loaded) == list(original)
        for key in original:
            assert type(key) is type(next(k for k in loaded if k == key and type(k) is type(key)))
            assert_same(loaded[key], original[key])
    elif isinstance(original, list):
        assert len(loaded) == len(original)
        for a, b in zip(loaded, original, strict=True):
            assert_same(a, b)
    elif isinstance(original, Decimal):
        assert str(loaded) == str(original)
    else:
        assert loaded == original


@settings(max_examples=300, deadline=None)
@given(trees)
def test_safe_dump_round_trip(tree: Any) -> None:
    text = yaml.dump(tree, Dumper=_DecimalDumper, sort_keys=False, allow_unicode=True)
    assert_same(load_yaml_text(text).data, tree)


# --- the libyaml fast path must be indistinguishable from the pure-Python path ---------------

_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "path",
    sorted((_ROOT / "rules").glob("*.yaml")) + sorted((_ROOT / "examples").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_fast_and_slow_paths_agree(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import perfscore._yaml as y

    text = path.read_text(encoding="utf-8")
    fast = y.load_yaml_text(text, source="x")
    monkeypatch.setattr(y, "_compose_fast", lambda text, depth: y._SLOW)
    slow = y.load_yaml_text(text, source="x")
    assert fast.data == slow.data
    assert dict(fast.marks) == dict(slow.marks)
    assert dict(fast.key_marks) == dict(slow.key_marks)


def test_deep_or_aliased_documents_take_the_guarded_path() -> None:
    import perfscore._yaml as y

    assert y._compose_fast("a: 1\n", 64) is not y._SLOW
    # an alias comes back from libyaml as its anchor's node: the one-pass builder notices
    with pytest.raises(y._Plain.Aliased):
        y._Plain(200_000, 64).build(y._compose_fast("a: &x 1\nb: *x\n", 64), ())
    assert y._compose_fast("[" * 100 + "]" * 100, 64) is y._SLOW
    assert y._compose_fast("- " * 100 + "x\n", 64) is y._SLOW
    with pytest.raises(RuleSetError, match="deeper"):
        load_yaml_text("- " * 100_000 + "x\n")


def test_tab_indentation_gets_a_plain_message() -> None:
    with pytest.raises(RuleSetError) as info:
        load_yaml_text("indicators:\n\t- x\n", source="r.yaml")
    assert str(info.value.problems[0]) == (
        "r.yaml:2:1: a tab character here: YAML indents with spaces only (replace tabs with spaces)"
    )


_ODD_DOCUMENTS = [
    "a: 1\na: 2\n",  # duplicate key
    "a: 1\n1: x\n'1': y\n",  # int and text keys
    "? [1, 2]\n: x\n",  # sequence key
    "true: x\n",  # boolean key
    "1.5: x\n",  # number key
    "<<: {a: 1}\n",  # merge key
    "a: !!binary aGk=\n",  # unsupported tag
    "a: !custom 1\n",
    "a: !!int x\n",  # bad explicit scalar
    "a: !!float x\n",
    "a: !!null x\n",
    "a: !!bool yes\n",
    "a: !!str 1\nb: !!seq [1]\nc: !!map {x: 1}\n",  # explicit standard tags are fine
    "a: !!seq {x: 1}\n",  # wrong collection tag
    "- 1\n- [2, {b: ~}]\n- {c: [true, 1e3, 0x1F, '0x1F']}\n",
    "",
    "x\n",
]


@pytest.mark.parametrize("text", _ODD_DOCUMENTS)
def test_one_pass_builder_and_two_pass_converter_agree(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-pass builder only takes documents without problems; whatever it takes or leaves,
    the result (data and marks, or the problems) is that of the pure-Python path."""
    import perfscore._yaml as y

    def outcome() -> Any:
        try:
            doc = y.load_yaml_text(text, source="x.yaml")
        except RuleSetError as exc:
            return [str(p) for p in exc.problems]
        return doc.data, dict(doc.marks), dict(doc.key_marks)

    fast = outcome()
    monkeypatch.setattr(y, "_compose_fast", lambda text, depth: y._SLOW)
    assert fast == outcome()


def test_one_pass_builder_refuses_what_needs_reporting() -> None:
    import perfscore._yaml as y

    for text in [_ODD_DOCUMENTS[0], *_ODD_DOCUMENTS[2:12], "a: !!seq {x: 1}\n"]:
        root = y._compose_fast(text, 64)
        assert root is not y._SLOW
        with pytest.raises(y._Plain.Bail):
            y._Plain(200_000, 64).build(root, ())
    # the node limit is for what aliases add: an honest document of any node count is built
    # (its size is bounded by its bytes) — #19 class 7
    root = y._compose_fast("[" + ", ".join(["1"] * 50) + "]\n", 64)
    assert y._Plain(10, 64).build(root, ()) == [1] * 50
    assert load_yaml_text("[" + ", ".join(["1"] * 50) + "]\n", max_nodes=10).data == [1] * 50


def test_resolver_memo_gives_the_same_tags_as_the_uncached_resolver() -> None:
    import perfscore._yaml as y

    words = ["1", "1.0", "1e3", "true", "yes", "no", "null", "~", "", "0x1F", "2023-01-01", "a"]
    fresh = [type(y.load_yaml_text(f"k: {w}\n").data["k"]) for w in words]
    again = [type(y.load_yaml_text(f"k: {w}\n").data["k"]) for w in words]  # memo now warm
    y._RESOLVED.clear()
    assert fresh == again == [type(y.load_yaml_text(f"k: {w}\n").data["k"]) for w in words]
    assert fresh[:6] == [int, Decimal, Decimal, bool, str, str]


# ---- anchors, aliases and comments on the fast path (#18) ---------------------------------------

_ALIASED = [
    "base: &b {w: 1, t: [1, 2]}\nx: *b\ny: {v: *b}\n",
    "- &s hello\n- *s\n- [*s, *s]\n",
    "a: &k key\n*k : 1\n",  # an alias as a key
    "a: &a [1, 2, 3]\nb: &b [*a, *a]\nc: [*b, *b]\n",
    "a: &x {p: 1}\nb: &x {q: 2}\nc: *x\n",  # an anchor defined twice
    "a: *nowhere\n",
    "a: &r [1, *r]\n",  # recursive
    "base: &b {w: 1}\nx:\n  <<: *b\n  v: 2\n",  # merge key (not supported: refused alike)
    "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
    "x: &x {a: 1}\nx2: *x\nx: 2\n",  # a duplicate key next to an alias
    "s: &s !!str 1\nt: *s\n",
    "# a comment with *x and &&\nk: v  # *y &z\nl: '*not an alias'\n",
]


def _outcome(text: str, **kwargs: Any) -> Any:
    try:
        doc = load_yaml_text(text, source="x.yaml", **kwargs)
    except RuleSetError as exc:
        return [str(p) for p in exc.problems]
    return doc.data, dict(doc.marks), dict(doc.key_marks)


@pytest.mark.parametrize("text", _ALIASED)
def test_anchors_and_aliases_give_what_the_pure_python_path_gives(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import perfscore._yaml as y

    fast = _outcome(text, max_nodes=500)
    monkeypatch.setattr(y, "_compose_fast", lambda text, depth: y._SLOW)
    # libyaml's events too: PyYAML's own parser
    monkeypatch.setattr(y.compose, "_CParser", None)
    assert fast == _outcome(text, max_nodes=500)


def test_aliased_documents_stay_on_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    import perfscore._yaml as y

    def pure_python(*args: Any) -> Any:
        raise AssertionError("the pure-Python parser was used")

    monkeypatch.setattr(y.compose, "_Loader", pure_python)
    doc = load_yaml_text(_ALIASED[0])
    assert doc.data["y"] == {"v": {"w": 1, "t": [1, 2]}}
    assert doc.marks[("y", "v")] == Mark(3, 8)  # the alias, where it is written
    # the bomb guard still refuses, and on the fast parser
    with pytest.raises(RuleSetError, match="alias/anchor bomb"):
        load_yaml_text(_ALIASED[8], max_nodes=500)


def test_a_comment_never_changes_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Marks on ``&``/``*`` in comments and quoted text are not aliases: the document is
    composed by libyaml's C composer and built in one pass, as without them."""
    import perfscore._yaml as y

    def composed_again(*args: Any) -> Any:
        raise AssertionError("composed again as if it had aliases")

    monkeypatch.setattr(y, "_compose_anchored", composed_again)
    plain = "k: v\nl: x\n"
    commented = "# see *x and &&\nk: v  # *y &z &&\nl: x\n"
    assert load_yaml_text(commented).data == load_yaml_text(plain).data == {"k": "v", "l": "x"}


def test_flow_style_documents_load_in_linear_time() -> None:
    """A flow-style data file of many subjects (one line, many brackets): building its nodes
    with the garbage collector running was quadratic (#13: 69 s for 100,000 subjects)."""
    import time

    def flow(n: int) -> str:
        items = ", ".join(f"{{id: d{i}, values: {{a: {i}.5, b: '{i}'}}}}" for i in range(n))
        return "{subjects: [" + items + "]}\n"

    def took(n: int) -> float:
        text = flow(n)
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            load_yaml_text(text, max_bytes=2**26, error=DataError)
            best = min(best, time.process_time() - t)
        return best

    small, big = took(2_000), took(16_000)
    assert big / small < 8 * 2  # 8× the data; quadratic would be ~64×
