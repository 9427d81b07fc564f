"""Regenerate data/chinese/t2s_changed_characters.txt from the installed OpenCC's dictionaries.

    .venv/bin/python scripts/derive_t2s_characters.py          # write the file
    .venv/bin/python scripts/derive_t2s_characters.py --check  # exit 1 if it is out of date

OpenCC's t2s replaces a dictionary key by its first value: the key's characters are changed only
where the value differs (a phrase key given another length counts all its characters). A text
containing none of these characters therefore comes out of t2s unchanged, which lets
etl.chinese.to_simplified skip the conversion for it. The dictionaries are those t2s.json names
(its normalisation and conversion chain), dumped to text with the opencc_dict tool in the wheel.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import opencc

OUT = Path(__file__).resolve().parents[1] / "data" / "chinese" / "t2s_changed_characters.txt"
PER_LINE = 50


def _dictionaries(config: dict) -> list[str]:
    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config.get("normalization", []))
    walk(config["conversion_chain"])
    return files


def changed_characters() -> set[str]:
    clib = Path(opencc.__file__).parent / "clib"
    share = clib / "share" / "opencc"
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    env = {**os.environ, "LD_LIBRARY_PATH": str(clib / "lib64") + os.pathsep + os.environ.get("LD_LIBRARY_PATH", "")}
    changed: set[str] = set()
    with tempfile.TemporaryDirectory() as folder:
        for name in _dictionaries(config):
            out = Path(folder) / (name + ".txt")
            subprocess.run([str(clib / "bin" / "opencc_dict"), "-i", str(share / name), "-o", str(out),
                            "-f", "ocd2", "-t", "text"], check=True, env=env)
            for line in out.read_text(encoding="utf-8").splitlines():
                if not line:
                    continue
                key, values = line.split("\t")
                first = values.split(" ")[0]
                if first == key:
                    continue
                if len(first) == len(key):
                    changed.update(a for a, b in zip(key, first) if a != b)
                else:
                    changed.update(key)
    return changed


def render(characters: set[str]) -> str:
    ordered = "".join(sorted(characters))
    lines = [
        "# Characters OpenCC t2s may change (scripts/derive_t2s_characters.py); a text with none of them",
        "# comes out of t2s unchanged. Read by etl/chinese.py, only with the OpenCC version below.",
        f"# opencc {metadata.version('opencc')}",
    ]
    lines += [ordered[i:i + PER_LINE] for i in range(0, len(ordered), PER_LINE)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render(changed_characters())
    if argv == ["--check"]:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run scripts/derive_t2s_characters.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
