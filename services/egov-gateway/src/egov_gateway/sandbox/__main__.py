"""``python -m egov_gateway.sandbox --port 8190``: run the axis sandbox alone."""

import argparse
import sys

import uvicorn

from .app import create_sandbox_app
from .config import SandboxConfig, SystemSpec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m egov_gateway.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument(
        "--system",
        action="append",
        default=[],
        metavar="ID:SECRET[:AGENCY_CODE]",
        help="a connected system (repeatable); default 000.00.00.H42 with the development secret",
    )
    parser.add_argument("--admin-token", default=SandboxConfig.admin_token)
    parser.add_argument("--ack-delay", type=float, default=1.0, help="seconds between 01, 03, 05 and 06")
    args = parser.parse_args(argv)
    config = SandboxConfig(admin_token=args.admin_token, ack_delays=(args.ack_delay,) * 4)
    if args.system:
        systems = {}
        for spec in args.system:
            system_id, _, rest = spec.partition(":")
            secret, _, code = rest.partition(":")
            if not system_id or not secret:
                parser.error(f"--system {spec!r}: expected ID:SECRET[:AGENCY_CODE]")
            systems[system_id] = SystemSpec(secret=secret, agencies=((code or system_id, code or system_id),))
        config = SandboxConfig(
            systems=systems, admin_token=args.admin_token, ack_delays=(args.ack_delay,) * 4
        )
    uvicorn.run(create_sandbox_app(config), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
