"""discover lists a folder's files as it did with Path.rglob and a resolve per file."""

from __future__ import annotations

import os
from pathlib import Path

from etl.extract import discover


def _discover_before(paths: list[str | Path]) -> list[Path]:
    # The definition before the folder listing used scandir (etl/extract.py, speed-run).
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def test_the_same_files_in_the_same_order_as_before(tmp_path):
    root = tmp_path / "drop"
    for name in ("b.html", "a.pdf", "Z.txt", "sub/c.docx", "sub/deeper/d.doc", ".hidden.txt",
                 ".cache/e.txt", "sub/.tmp-x", "sub/x y/报告.txt", "sub10/f.txt", "sub-1/g.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    outside = tmp_path / "elsewhere"
    (outside / "inner").mkdir(parents=True)
    (outside / "inner" / "h.txt").write_text("h", encoding="utf-8")
    os.symlink(root / "a.pdf", root / "sub" / "link-to-a.pdf")  # the same file twice: kept once
    os.symlink(outside / "inner" / "h.txt", root / "link-out.txt")
    os.symlink(outside / "inner", root / "linked-folder")  # not followed
    os.symlink(root / "gone.txt", root / "broken.txt")  # not a file
    (root / "empty").mkdir()

    for paths in ([root], [str(root)], [root / "a.pdf", root], [root, root / "sub" / "c.docx"],
                  [root / "sub", root], [Path(str(root) + "/sub/../sub")]):
        assert discover(paths) == _discover_before(paths)
    assert root / "a.pdf" in discover([root]) and root / "sub" / "link-to-a.pdf" not in discover([root])
