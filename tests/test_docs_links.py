"""Every relative link in README.md and docs/*.md names a file that exists and, when it has
``#anchor``, a heading in that file (GitHub's anchors: lower case, punctuation dropped, spaces
as hyphens, a repeated heading numbered ``-1``, ``-2``) — so moving a section cannot leave a
reader at a dead link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^()\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for line in FENCE.sub("", text).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_anchors_follow_githubs_rules() -> None:
    text = "# A (`b/c.py`)\n## Session 11: x, y\n## Session 11: x, y\n```\n# not a heading\n```\n"
    assert anchors(text) == {"a-bcpy", "session-11-x-y", "session-11-x-y-1"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    dead = []
    for target in LINK.findall(FENCE.sub("", text)):
        if re.match(r"^[a-z]+:", target) or target.startswith("mailto:"):
            continue  # a web address
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            dead.append(f"{target}: no file {path}")
            continue
        if anchor and file.suffix == ".md" and anchor not in anchors(file.read_text("utf-8")):
            dead.append(f"{target}: no heading #{anchor} in {file.name}")
    assert dead == []
