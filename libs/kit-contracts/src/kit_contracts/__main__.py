"""``python -m kit_contracts schemas DIR``: regenerate the checked-in JSON Schemas and, beside
them, the AsyncAPI document (``DIR/../asyncapi.json``)."""

import sys
from pathlib import Path

from .asyncapi import render
from .registry import write_schemas


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "schemas":
        sys.stderr.write("usage: python -m kit_contracts schemas DIR\n")
        return 2
    folder = Path(argv[1])
    for path in write_schemas(folder):
        sys.stdout.write(f"{path}\n")
    document = folder.parent / "asyncapi.json"
    document.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"{document}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
