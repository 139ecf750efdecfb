"""Overlays: a rule set that ``extends`` another (a city adapts the province's standard).

The overlay names the base file and says what changes — settings, inputs and metrics merged by
name; indicators and checks changed (``set``), dropped (``remove``) or added (``add``) by id.
The merged rule set is validated as a whole afterwards (weights still sum, names still resolve),
and every value remembers which file and line it came from, so an error points at the file that
wrote the offending value.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._yaml import Document, Mark, load_yaml_file
from .errors import Problem, RuleSetError, did_you_mean

__all__ = ["MergedDocument", "plain_copy", "resolve"]

PathKey = tuple[str | int, ...]
MAX_DEPTH = 8
_MERGED_BY_NAME = ("settings", "inputs", "metrics")
_REPLACED = ("grades", "letters", "source", "subject_type", "locale", "description", "title_en")
#: The keys of a check's own type: a check ``set`` to another ``type`` loses its old type's.
_CHECK_KEYS = {
    "equal": ("left", "right", "tolerance"),
    "assert": ("expr",),
    "explain_if": ("require",),
}


@dataclass(frozen=True)
class MergedDocument(Document):
    """A rule set assembled from several files; each path knows its file and position."""

    origins: Mapping[PathKey, tuple[Document, PathKey]] = field(default_factory=dict)
    chain: tuple[Document, ...] = ()

    def _origin(self, path: Sequence[str | int]) -> tuple[Document, PathKey] | None:
        key = tuple(path)
        for end in range(len(key), -1, -1):
            found = self.origins.get(key[:end])
            if found is not None:
                doc, old = found
                return doc, old + key[end:]
        return None

    def mark(self, path: Sequence[str | int]) -> Mark | None:
        found = self._origin(path)
        return found[0].mark(found[1]) if found else None

    def source_of(self, path: Sequence[str | int]) -> str:
        found = self._origin(path)
        return found[0].source if found else self.source

    def problem(
        self,
        path: Sequence[str | int],
        message: str,
        *,
        suggestion: str | None = None,
        code: str = "invalid",
        key: bool = False,
    ) -> Problem:
        found = self._origin(path)
        if found is None:
            return Problem(
                message, source=self.source, path=tuple(path), suggestion=suggestion, code=code
            )
        doc, old = found
        p = doc.problem(old, message, suggestion=suggestion, code=code, key=key)
        return Problem(
            p.message,
            source=p.source,
            line=p.line,
            column=p.column,
            path=tuple(path),
            suggestion=p.suggestion,
            code=p.code,
        )


class _Builder:
    def __init__(self) -> None:
        self.origins: dict[PathKey, tuple[Document, PathKey]] = {}
        self.problems: list[Problem] = []

    def copy(self, doc: Document, old: PathKey, new: PathKey, value: Any) -> Any:
        """Copy ``value`` (found at ``old`` in ``doc``) to ``new``, recording where it came from."""
        self.origins[new] = (doc, old)
        if isinstance(value, Mapping):
            return {k: self.copy(doc, (*old, k), (*new, k), v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.copy(doc, (*old, i), (*new, i), v) for i, v in enumerate(value)]
        return value

    def forget(self, prefix: PathKey) -> None:
        """Drop the origins of a removed subtree."""
        for k in [k for k in self.origins if k[: len(prefix)] == prefix]:
            del self.origins[k]

    def relocate(self, value: Any, old_new: tuple[PathKey, PathKey]) -> None:
        """After moving a subtree from one path to another, move its origins too."""
        old, new = old_new
        if old == new:
            return
        moved = {k: v for k, v in self.origins.items() if k[: len(old)] == old}
        for k in moved:
            del self.origins[k]
        for k, v in moved.items():
            self.origins[new + k[len(old) :]] = v

    def merge(self, base: Any, doc: Document, old: PathKey, new: PathKey, patch: Any) -> Any:
        """Deep merge: mappings merge key by key (``null`` removes), anything else replaces."""
        if isinstance(base, dict) and isinstance(patch, Mapping):
            out = dict(base)
            for k, v in patch.items():
                if v is None:
                    out.pop(k, None)
                elif k in out:
                    out[k] = self.merge(out[k], doc, (*old, k), (*new, k), v)
                else:
                    out[k] = self.copy(doc, (*old, k), (*new, k), v)
            self.origins.setdefault(new, (doc, old))
            return out
        return self.copy(doc, old, new, patch)


def _index(tree: list[Any], path: PathKey) -> dict[str, PathKey]:
    """Every indicator id in a tree → its path."""
    found: dict[str, PathKey] = {}
    for i, node in enumerate(tree):
        if not isinstance(node, Mapping):
            continue
        p = (*path, i)
        if isinstance(node.get("id"), str):
            found[node["id"]] = p
        if isinstance(node.get("children"), list):
            found.update(_index(node["children"], (*p, "children")))
    return found


def _get(data: Any, path: PathKey) -> Any:
    for p in path:
        data = data[p]
    return data


def _apply_tree_changes(
    b: _Builder, merged: dict[str, Any], key: str, doc: Document, changes: Any
) -> None:
    """Apply ``{set, remove, add}`` for ``indicators`` (a tree) or ``checks`` (a list)."""
    cpath: PathKey = (key,)
    if not isinstance(changes, Mapping):
        b.problems.append(
            doc.problem(cpath, f"in an overlay, '{key}' is a mapping of set / remove / add")
        )
        return
    for extra in set(changes) - {"set", "remove", "add"}:
        b.problems.append(
            doc.problem(
                (*cpath, extra),
                f"unknown key {extra!r}",
                suggestion=did_you_mean(str(extra), ["set", "remove", "add"]),
                key=True,
            )
        )
    tree = merged.setdefault(key, [])
    is_tree = key == "indicators"

    def ids() -> dict[str, PathKey]:
        if is_tree:
            return _index(tree, (key,))
        return {
            n["id"]: (key, i) for i, n in enumerate(tree) if isinstance(n, Mapping) and "id" in n
        }

    def locate(rid: Any, at: PathKey, verb: str, *, key_mark: bool = False) -> PathKey | None:
        """Where the node ``rid`` is; None (and a located problem) when there is none."""
        where = ids().get(rid)
        if where is None:
            b.problems.append(
                doc.problem(
                    at,
                    f"no {key[:-1]} {rid!r} to {verb}",
                    suggestion=did_you_mean(str(rid), ids()),
                    key=key_mark,
                )
            )
        return where

    for rid, patch in (changes.get("set") or {}).items():
        where = locate(rid, (*cpath, "set", rid), "change", key_mark=True)
        if where is None:
            continue
        parent, last = _get(merged, where[:-1]), where[-1]
        _retype(b, parent[last], patch, where, is_tree)
        parent[last] = b.merge(parent[last], doc, (*cpath, "set", rid), where, patch)
    for i, rid in enumerate(changes.get("remove") or []):
        where = locate(rid, (*cpath, "remove", i), "remove")
        if where is None:
            continue
        siblings: list[Any] = _get(merged, where[:-1])
        idx = int(where[-1])
        siblings.pop(idx)
        b.forget(where)
        for j in range(idx, len(siblings)):  # later siblings move up one place
            b.relocate(siblings[j], ((*where[:-1], j + 1), (*where[:-1], j)))
    for i, item in enumerate(changes.get("add") or []):
        ipath = (*cpath, "add", i)
        if not isinstance(item, Mapping):
            b.problems.append(doc.problem(ipath, "an added item is a mapping"))
            continue
        body_key = "indicator" if is_tree else "check"
        body = item.get(body_key) if body_key in item else None
        if body is None:
            b.problems.append(doc.problem(ipath, f"an added item needs '{body_key}:'"))
            continue
        under = item.get("under")
        if under is None or not is_tree:
            siblings_path: PathKey = (key,)
        else:
            where = ids().get(under)
            if where is None:
                b.problems.append(
                    doc.problem(
                        (*ipath, "under"),
                        f"no indicator {under!r} to add under",
                        suggestion=did_you_mean(str(under), ids()),
                    )
                )
                continue
            siblings_path = (*where, "children")
        siblings = (
            _get(merged, siblings_path[:-1]).setdefault(siblings_path[-1], [])
            if siblings_path != (key,)
            else tree
        )
        after = item.get("after")
        pos = len(siblings)
        if after is not None:
            names = [s.get("id") for s in siblings if isinstance(s, Mapping)]
            if after not in names:
                b.problems.append(
                    doc.problem(
                        (*ipath, "after"),
                        f"no sibling {after!r} to add after",
                        suggestion=did_you_mean(str(after), [n for n in names if n]),
                    )
                )
                continue
            pos = names.index(after) + 1
        for j in range(len(siblings) - 1, pos - 1, -1):  # make room: later siblings move down
            b.relocate(siblings[j], ((*siblings_path, j), (*siblings_path, j + 1)))
        siblings.insert(pos, b.copy(doc, (*ipath, body_key), (*siblings_path, pos), body))


def _retype(b: _Builder, node: Any, patch: Any, where: PathKey, is_tree: bool) -> None:
    """A ``set`` that gives a scorer (or a check) another ``type`` means a new one: the old
    type's own keys the overlay does not repeat go (merged key by key, ``target:`` of a
    ``proportional`` would stay in the ``bands`` the overlay wrote, refused as unknown in the
    base's file).  What every scorer takes (``pass_at``) and every check takes (``title``,
    ``when``, ``severity``, ...) stays unless the overlay changes it."""
    if not isinstance(node, dict) or not isinstance(patch, Mapping):
        return
    if is_tree:
        old, new = node.get("scorer"), patch.get("scorer")
        at: PathKey = (*where, "scorer")
        if not isinstance(old, dict) or not isinstance(new, Mapping):
            return
        kept = _EVERY_SCORER
    else:
        old, new, at = node, patch, where
        kept = None
    if "type" not in new or new["type"] is None or new["type"] == old.get("type"):
        return
    if kept is None:
        own = _CHECK_KEYS.get(str(old.get("type")), ())
        gone = [k for k in own if k in old and k not in new]
    else:
        gone = [k for k in old if k not in kept and k not in new]
    for k in gone:
        del old[k]
        b.forget((*at, k))


#: What every scorer takes besides its own keys (``ScorerConfig``).
_EVERY_SCORER = frozenset({"type", "pass_at"})


def _merge(base: Document | MergedDocument, overlay: Document) -> MergedDocument:
    b = _Builder()
    data = overlay.data
    assert isinstance(data, Mapping)
    if isinstance(base, MergedDocument):
        b.origins.update(base.origins)
        merged = plain_copy(base.data)
        chain = (*base.chain, overlay)
    else:
        merged = b.copy(base, (), (), base.data)
        chain = (base, overlay)
    for k, v in data.items():
        if k == "extends":
            continue
        if k in ("indicators", "checks"):
            _apply_tree_changes(b, merged, k, overlay, v)
        elif k in _MERGED_BY_NAME and isinstance(v, Mapping):
            merged[k] = b.merge(merged.get(k, {}), overlay, (k,), (k,), v)
        else:
            merged[k] = b.copy(overlay, (k,), (k,), v)
    if b.problems:
        raise RuleSetError(b.problems)
    sha = hashlib.sha256("".join(d.sha256 for d in chain).encode()).hexdigest()
    return MergedDocument(merged, overlay.source, sha, {}, {}, b.origins, chain)


def plain_copy(value: Any) -> Any:
    """A copy of a document's data that may be changed: mappings become dicts, lists lists."""
    if isinstance(value, Mapping):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


def bundled_roots() -> tuple[Path, ...]:
    """Folders of the bundled rule-set catalogue (any rule set may extend these)."""
    from .rulesdir import default_rules_dir

    here = Path(__file__).resolve().parent
    found = (default_rules_dir(), here / "rules", here.parents[1] / "rules")
    return tuple(dict.fromkeys(Path(os.path.realpath(p)) for p in found if p.is_dir()))


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve(
    path: str | os.PathLike[str],
    *,
    allow_anywhere: bool = False,
    _seen: tuple[str, ...] = (),
    _root: Path | None = None,
    _regular_only: bool = False,
) -> Document:
    """Load a rule-set file; when it ``extends`` another, load that (recursively) and merge.

    ``extends`` may name only a rule-set file (a mapping with a ``perfscore:`` key) in the
    folder tree of the rule set first loaded, or in the bundled catalogue; with
    ``allow_anywhere`` any regular file.  A device, a FIFO or ``/dev/stdin`` is never opened,
    and a file that is not a rule set is refused without quoting its content."""
    doc = load_yaml_file(path, regular_only=_regular_only)
    data = doc.data
    if not isinstance(data, Mapping) or "extends" not in data:
        return doc

    def refuse(message: str) -> RuleSetError:
        return RuleSetError([doc.problem(("extends",), message)])

    target = data["extends"]
    if not isinstance(target, str) or not target.strip() or "\0" in target:
        raise refuse("'extends' names the base rule-set file (one file name, as text)")
    root = _root or Path(os.path.realpath(Path(path).parent))
    base_path = Path(path).parent / target
    real = os.path.realpath(base_path)
    if real in _seen or real == os.path.realpath(path):
        raise refuse(f"rule sets extend each other in a cycle ({target})")
    if len(_seen) >= MAX_DEPTH:
        raise refuse(f"more than {MAX_DEPTH} levels of 'extends'")
    if not allow_anywhere and not any(_under(Path(real), r) for r in (root, *bundled_roots())):
        raise refuse(
            f"'extends' may name only a rule set in the folder of {os.fspath(path)!r} (or "
            f"below it) or in the bundled catalogue, not {target!r}; "
            "pass --allow-extends-anywhere to allow it"
        )
    try:
        mode = os.stat(real).st_mode
    except OSError:
        raise refuse(f"base rule set {str(base_path)!r} does not exist") from None
    if not stat.S_ISREG(mode):
        raise refuse(f"base rule set {target!r} is not a regular file")
    base = resolve(
        base_path,
        allow_anywhere=allow_anywhere,
        _seen=(*_seen, os.path.realpath(path)),
        _root=root,
        _regular_only=True,
    )
    if not isinstance(base.data, Mapping) or "perfscore" not in base.data:
        raise refuse(
            f"{target!r} is not a rule set (a rule-set file is a mapping with a 'perfscore:' key)"
        )
    return _merge(base, doc)
