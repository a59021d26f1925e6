"""``python -m kit_contracts schemas DIR``: regenerate the checked-in JSON Schemas."""

import sys
from pathlib import Path

from .registry import write_schemas


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "schemas":
        sys.stderr.write("usage: python -m kit_contracts schemas DIR\n")
        return 2
    for path in write_schemas(Path(argv[1])):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
