"""People's outputs that need a real screen: the progress bar and the HTML report in a browser."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest

import headless
import perfscore
from perfscore.export import export
from perfscore.terminal import BatchProgress, ReadingProgress

ROOT = Path(__file__).resolve().parent.parent


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_appears_only_after_the_delay_and_only_on_a_tty() -> None:
    clock = Clock()
    tty = FakeTTY()
    with BatchProgress(10, tty, delay=2.0, clock=clock) as p:
        for _ in range(3):
            clock.now += 0.5
            p.advance()
        assert not p.shown and tty.getvalue() == ""  # a quick batch prints nothing
        clock.now += 1.0
        p.advance()
        assert p.shown
    assert "4/10" in tty.getvalue()

    clock = Clock()
    pipe = io.StringIO()  # not a terminal: never a progress bar, however slow
    with BatchProgress(10, pipe, delay=0.0, clock=clock) as p:
        clock.now += 60
        p.advance()
        assert not p.shown
    assert pipe.getvalue() == ""


def test_reading_a_data_document_shows_on_a_terminal(tmp_path: Path) -> None:
    """JSON/YAML data are parsed whole: a spinner with the file and its size while that runs,
    then one line with the count and the time when it was slow."""
    data = tmp_path / "departments.yaml"
    data.write_text("subjects: []\n", encoding="utf-8")
    clock = Clock()
    tty = FakeTTY()
    with ReadingProgress(str(data), tty, clock=clock) as reading:
        clock.now += 3.0
        reading.records = 5
    out = tty.getvalue()
    assert "reading departments.yaml (13 B)" in out
    assert out.endswith("read departments.yaml: 5 record(s) in 3.0 s\n")

    quick = FakeTTY()
    with ReadingProgress(str(data), quick, lang="zh", clock=Clock()) as reading:
        reading.records = 5
    assert "读取" in quick.getvalue() and "已读取" not in quick.getvalue()  # quick: no line

    pipe = io.StringIO()
    with ReadingProgress(str(data), pipe, clock=clock) as reading:
        clock.now += 60
        reading.records = 5
    assert pipe.getvalue() == ""


def test_the_cli_shows_the_reading_of_a_yaml_data_file(tmp_path: Path) -> None:
    from perfscore.cli import main

    data = tmp_path / "d.yaml"
    data.write_text((ROOT / "examples" / "liwan-npc-office-2023.yaml").read_text("utf-8"))
    err = FakeTTY()
    code = main(
        ["score", str(ROOT / "rules" / "cn-dept-overall.yaml"), str(data), "--format", "json"],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code in (0, 1) and "读取 d.yaml" in err.getvalue()  # the rule set speaks Chinese


# --- the HTML report in a headless browser ---------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixel colours of an 8-bit RGB/RGBA PNG (no Pillow)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = 0
    colour_type = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour_type in (2, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        if y % 4 == 0:  # sample every 4th row: enough to tell a page from a blank
            colours.update(bytes(line[x : x + 3]) for x in range(0, stride, bpp * 2))
        prev = line
    return width, height, colours


def test_html_report_renders_in_a_headless_browser(tmp_path: Path) -> None:
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    report = rs.evaluate(perfscore.load_subjects(ROOT / "tests" / "golden" / "batch3.yaml"))
    page = tmp_path / "report.html"
    page.write_bytes(export(report, "html"))
    width, height, colours = png_pixels(headless.screenshot(page, tmp_path / "out.png"))
    assert (width, height) == (1200, 1600)
    assert len(colours) > 50, f"the page looks blank ({len(colours)} colours)"
    dom = headless.dump_dom(page)
    for subject in report.subjects:  # every department's name reached the rendered page
        assert subject.subject.name in dom


def test_a_missing_browser_fails_in_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        headless.chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        headless.chromium()
