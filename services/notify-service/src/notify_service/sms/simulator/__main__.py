"""``python -m notify_service.sms.simulator --port 8191``: the simulator on its own.

Secrets come from the environment (``SMS_SIMULATOR_API_KEY``, ``SMS_SIMULATOR_PASSWORD``,
``SMS_SIMULATOR_RECEIPT_TOKEN``, ``SMS_SIMULATOR_ADMIN_TOKEN``) rather than the command line, where
other users of the machine could read them; unset, they are the development defaults that
notify-service's default SMS settings also use.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

import uvicorn
from pydantic import SecretStr

from kit_core import DEV_SECRET, configure_logging

from .app import Behaviour, SimulatorConfig, create_simulator


def _secret(name: str) -> SecretStr:
    value = os.environ.get(name)
    return SecretStr(value) if value else DEV_SECRET


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notify_service.sms.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8191)
    parser.add_argument("--username", default="egov", help="brand-name account user name")
    parser.add_argument("--brandname", action="append", help="registered brand names (repeatable)")
    parser.add_argument(
        "--generic-callback-url",
        default="http://127.0.0.1:8104/api/v1/notifications/sms/receipts/sim-generic",
    )
    parser.add_argument(
        "--brandname-callback-url",
        default="http://127.0.0.1:8104/api/v1/notifications/sms/receipts/sim-brandname",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--receipt-delay-ms", type=float, default=500.0)
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    admin = os.environ.get("SMS_SIMULATOR_ADMIN_TOKEN")
    if not admin and not _loopback(args.host):
        parser.error(
            f"--host {args.host} is reachable by others: set SMS_SIMULATOR_ADMIN_TOKEN (the texts hold OTPs)"
        )
    config = SimulatorConfig(
        api_key=_secret("SMS_SIMULATOR_API_KEY"),
        username=args.username,
        password=_secret("SMS_SIMULATOR_PASSWORD"),
        brandnames=args.brandname or ["UBND-TINH"],
        generic_callback_url=args.generic_callback_url or None,
        brandname_callback_url=args.brandname_callback_url or None,
        receipt_token=_secret("SMS_SIMULATOR_RECEIPT_TOKEN"),
        admin_token=SecretStr(admin) if admin else None,
        behaviour=Behaviour(
            latency_ms=args.latency_ms, error_rate=args.error_rate, receipt_delay_ms=args.receipt_delay_ms
        ),
        seed=args.seed,
    )
    configure_logging(json=False)
    uvicorn.run(create_simulator(config), host=args.host, port=args.port, log_config=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
