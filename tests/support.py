"""Helpers for cross-service tests: real service processes, the real broker and database that `make test` starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("EGOV_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:55432")
KAFKA = os.environ.get("EGOV_TEST_KAFKA", "127.0.0.1:19092")
VAR_DIR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


class ServiceProcess:
    """One service started as `python -m <package> <command>`, as `make up` starts it."""

    def __init__(self, package: str, command: str, env: dict[str, str], log: Path) -> None:
        self.package, self.command, self.env, self.log = package, command, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.package, self.command],
            env={**os.environ, **self.env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def kafka(action: str) -> None:
    subprocess.run(
        [str(ROOT / "deploy/kafka/kafka.sh"), action],
        check=True,
        env={**os.environ, "VAR_DIR": str(VAR_DIR)},
        timeout=180,
    )


@pytest.fixture
def processes() -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for process in started:
        process.stop()
