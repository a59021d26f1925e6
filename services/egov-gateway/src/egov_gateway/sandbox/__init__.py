"""The national axis sandbox: a separate ASGI app playing the axis and the central agencies."""

from .app import Sandbox, SandboxError, create_sandbox_app
from .config import CENTRAL_AGENCIES, SandboxConfig, SystemSpec

__all__ = ["CENTRAL_AGENCIES", "Sandbox", "SandboxConfig", "SandboxError", "SystemSpec", "create_sandbox_app"]
