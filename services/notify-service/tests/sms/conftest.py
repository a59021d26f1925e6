"""Fixtures of the SMS suite: simulators and a receipts endpoint served by uvicorn on free ports,
and providers and a router that talk to them over real HTTP (helpers in sms_harness)."""

from __future__ import annotations

import sys
from pathlib import Path

# Appended, not prepended: other suites import a module named `conftest` from their own folder.
sys.path.append(str(Path(__file__).parent))
