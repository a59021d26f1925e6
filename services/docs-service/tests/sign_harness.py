"""Helpers for the signature tests: a real PDF, a CRL served over HTTP, pyHanko's own CLI."""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from fpdf import FPDF

TEXT = "QUYET DINH ve viec phe duyet ke hoach chuyen doi so nam 2027"


def sample_pdf(text: str = TEXT) -> bytes:
    """A one-page PDF whose content stream is not compressed, so a test can alter its text."""
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def altered(data: bytes, text: str = TEXT) -> bytes:
    """The same file with one letter of the signed text changed (in the first revision)."""
    at = data.index(text.encode()[:20])
    changed = bytearray(data)
    changed[at] = ord("X") if changed[at] != ord("X") else ord("Y")
    return bytes(changed)


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[int]:
    """A static HTTP server for ``folder`` on a free port (the CRL distribution point)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):  # type: ignore[no-untyped-def]
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def pyhanko_validate(pdf: Path, root: Path) -> subprocess.CompletedProcess[str]:
    """pyHanko's own command-line validator, in a separate process."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pyhanko",
            "sign",
            "validate",
            "--trust",
            str(root),
            "--trust-replace",
            str(pdf),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
