"""Text made safe for the format it is written into — one sanitiser per format, used by every
exporter at the point where it writes a string.

Names, ids, titles and messages come from rule sets and data files written by many hands, so
any of them may hold what breaks an output or deceives its reader:

* **surrogates** — JSON's ``"\\ud840\\udc0b"`` is one character written as two escapes; read
  by a YAML parser it stays two lone surrogates, which no UTF-8 writer accepts.  A valid pair
  is joined into its character, a lone one becomes U+FFFD (:func:`clean`);
* **control characters** — ``ESC[2J`` clears the analyst's terminal, NUL and most C0 controls
  are not XML at all and make openpyxl refuse the workbook; bidi overrides (U+202E...) make a
  terminal show text in another order than it is stored ("Trojan Source");
* **formulas** — a CSV or xlsx cell starting with ``= + - @``, tab or CR is a formula to Excel
  and LibreOffice (OWASP "CSV injection"): such cells get a leading ``'`` and stay text;
* **markup** — Markdown passes raw HTML and links through; HTML needs escaping.

Every function takes any ``str`` and returns a ``str`` that can be encoded as UTF-8.
"""

from __future__ import annotations

import html as _html
import re

__all__ = [
    "clean",
    "csv_cell",
    "html",
    "markdown",
    "markdown_code",
    "sheet_title",
    "terminal",
    "tsv_cell",
    "xlsx_cell",
    "xml",
]

_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("([\ud800-\udbff])([\udc00-\udfff])")
_LONE = _SURROGATE
# C0 controls except tab/newline/CR, DEL, C1 controls, and the bidirectional formatting
# characters (embeddings, overrides, isolates) a terminal would obey.
_TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What XML 1.0 cannot carry at all, plus C1 controls and bidi formatting characters.
_XML_BAD = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)
# openpyxl refuses C0 controls other than tab/newline/CR; escape the rest like XML.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*)(?:\.\d+)?(?:[eE][+-]?\d+)?%?")
# Inline Markdown: emphasis, code, links/images, raw HTML and entities, tables, strikethrough.
# (Line-start constructs cannot occur: the exporter never starts a line with a value.)
# An underscore inside a word (cn_dept_overall) is never emphasis, so it stays as written.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>&|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\']")


def _join_pair(match: re.Match[str]) -> str:
    high, low = (ord(c) for c in match.groups())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def clean(text: str) -> str:
    """Surrogate pairs joined into their character, lone surrogates replaced by U+FFFD.

    The result always encodes as UTF-8; text without surrogates is returned unchanged (and
    ASCII text without even looking at it)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _LONE.sub("\ufffd", _PAIR.sub(_join_pair, text))


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"  # as JSON writes it: \u001b, \u202e


def terminal(text: str) -> str:
    """For a terminal: control and bidi characters shown as ``\\u001b`` / ``\\u202e`` escapes
    (tab and newline kept), so output can neither move the cursor nor reorder itself."""
    return _TERMINAL_BAD.sub(_escape, clean(text))


def xml(text: str) -> str:
    """For XML text and attributes (JUnit; the serializer still escapes ``<&>"``): characters
    XML 1.0 cannot carry, C1 controls and bidi overrides shown as visible escapes; line ends
    as a parser reads them back (CR LF and CR become LF)."""
    text = clean(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_BAD.sub(_escape, text)


def html(text: str) -> str:
    """For HTML text and quoted attributes: XML-safe, then ``<>&"'`` escaped."""
    return _html.escape(xml(text), quote=True)


def _neutralise(text: str, *, numbers_ok: bool) -> str:
    if text.startswith(_FORMULA_START) and not (numbers_ok and _PLAIN_NUMBER.fullmatch(text)):
        return "'" + text
    return text


def csv_cell(text: str) -> str:
    """For a CSV cell: a cell that a spreadsheet would read as a formula gets a leading ``'``
    (OWASP); plain numbers such as ``-5`` or ``-3.5%`` stay as they are."""
    return _neutralise(terminal(text), numbers_ok=True)


def tsv_cell(text: str) -> str:
    """For a tab-separated cell: like :func:`csv_cell`, with tab and newline escaped too (TSV
    has no quoting)."""
    return csv_cell(text.replace("\t", "\\t").replace("\n", "\\n"))


def xlsx_cell(text: str) -> str:
    """For a string cell in an xlsx workbook: XML-safe and never a formula — OWASP's rule
    without exception (numbers are written as number cells, so text never needs to look like
    one)."""
    return _neutralise(xml(text), numbers_ok=False)


def sheet_title(text: str, fallback: str = "sheet") -> str:
    """An xlsx sheet title: at most 31 characters, none of ``[]:*?/\\'``, never a formula."""
    title = _SHEET_BAD.sub("_", xml(text))
    if title.startswith(_FORMULA_START):
        title = "_" + title
    return title[:31] or fallback


def markdown(text: str) -> str:
    """For Markdown text (also inside table cells): every character Markdown gives meaning to
    is backslash-escaped (no raw HTML, links, emphasis or table breaks), newlines become
    spaces, controls are escaped as for a terminal."""
    flat = terminal(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def markdown_code(text: str) -> str:
    """A Markdown code span holding ``text`` literally (an id, a file name): the fence is one
    backtick longer than the longest run inside, so nothing can close it early."""
    flat = terminal(text).replace("\n", " ")
    longest = max((len(run) for run in re.findall("`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
