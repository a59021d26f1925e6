"""Each workspace member alone: `uv sync --locked --package <member>` into its own environment,
then import every module it ships. An import that only worked because a neighbour in the shared
environment had the package fails here (`make check-members`, part of `make test`)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORT_ALL = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
failed = []
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    if ".migrations" in info.name or info.name.endswith(".__main__"):
        continue  # env.py runs migrations when imported; __main__ runs the command line
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def members() -> list[tuple[str, str]]:
    found = []
    for pattern in ("libs/*", "services/*", "deploy/embedded"):
        for folder in sorted(ROOT.glob(pattern)):
            project = folder / "pyproject.toml"
            if project.exists():
                name = tomllib.loads(project.read_text())["project"]["name"]
                found.append((name, name.replace("-", "_")))
    return found


def main() -> int:
    uv = os.environ.get("UV", "uv").split()
    failures = 0
    for name, package in members():
        env_dir = ROOT / "var" / "members" / name
        env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(env_dir)}
        subprocess.run(
            [*uv, "sync", "--locked", "--quiet", "--package", name, "--no-dev"], check=True, cwd=ROOT, env=env
        )
        result = subprocess.run(
            [str(env_dir / "bin" / "python"), "-c", IMPORT_ALL, package],
            cwd="/",
            capture_output=True,
            text=True,
        )
        status = "ok" if result.returncode == 0 else "FAILED"
        sys.stdout.write(f"{name:18} {status}\n")
        if result.returncode:
            failures += 1
            sys.stdout.write(result.stdout + result.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
