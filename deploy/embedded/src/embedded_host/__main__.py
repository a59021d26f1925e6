"""``python -m embedded_host``: the whole platform in one process (``make run``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path

import uvicorn

from kit_core import configure_logging

from .host import Host


async def serve(host: Host, address: str, port: int) -> None:
    async with host.running():
        config = uvicorn.Config(
            host, host=address, port=port, lifespan="off", log_config=None, timeout_graceful_shutdown=5
        )
        server = uvicorn.Server(config)
        base = f"http://{address}:{port}"
        serving = asyncio.create_task(server.serve())
        # The banner goes last, under the start-up logs; uvicorn offers a flag, not an event.
        while not server.started and not serving.done():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if server.started:
            sys.stdout.write(
                "\n"
                f"  Nền tảng đang chạy (embedded mode) — {base}/\n"
                f"  API docs:   {base}/identity/docs  {base}/routing/docs  {base}/docs/docs\n"
                f"              {base}/notify/docs  {base}/egov/docs\n"
                f"  Readiness:  {base}/routing/readyz (one per service)\n"
                f"  Demo data:  the Ninh Bình demo tenant — {base}/api/v1/orgs (with a token)\n"
                + (host.demo_logins.describe(base) if host.demo_logins else "")
                + "  Codes:      demo users also get sign-in codes by SMS or e-mail (POST /api/v1/auth/login/code):\n"
                f"              SMS in the provider simulator {base}/sms-simulator/messages,\n"
                f"              e-mail as .eml files in {host.var_dir / 'mail'}\n"
                f"  Axis:       the national axis sandbox {base}/axis-sandbox/docs (central agencies answer\n"
                "              01, 03, 05, 06 to what is sent to them)\n"
                + "  Note:       every service's API needs an access token (sign in as above); the demo users'\n"
                "              password and TOTP secret are public, so this mode binds to 127.0.0.1 —\n"
                "              do not expose it to a network.\n"
                f"  Data:       {host.var_dir}/*.sqlite3 (kept across restarts). Ctrl-C stops.\n\n"
            )
            sys.stdout.flush()
        await serving


def main() -> int:
    parser = argparse.ArgumentParser(prog="embedded_host")
    parser.add_argument("--host", default=os.environ.get("EMBEDDED_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMBEDDED_PORT", "8000")))
    parser.add_argument("--var", type=Path, default=Path(os.environ.get("EMBEDDED_VAR_DIR", "var")))
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    configure_logging(
        json=os.environ.get("EMBEDDED_LOG_JSON", "false") == "true",
        level=os.environ.get("EMBEDDED_LOG_LEVEL", "INFO"),
    )
    host = Host(var_dir=args.var.resolve(), seed=not args.no_seed)
    host.migrate()
    # Ctrl-C: uvicorn shuts down gracefully and re-raises the signal, and asyncio.run lets every
    # service's lifespan finish before turning it into KeyboardInterrupt: a clean stop, not an error.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
