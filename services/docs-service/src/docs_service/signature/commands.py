"""``python -m docs_service ca …``: the development CA.

- ``ca init``: create the root and an empty CRL under the signing folder (kept if it exists).
- ``ca issue --cn NAME [--org O] [--unit OU] --name KEYNAME``: a certificate with a new key, either
  as a PKCS#12 file (default; passphrase from ``--passphrase-env`` or the dev passphrase) or, with
  ``--token LABEL``, generated inside a SoftHSM2/PKCS#11 token (created if missing with
  ``--init-token``). Prints the key reference to put in ``DOCS_SIGNING_KEYS``.
- ``ca revoke SERIAL``: revoke a certificate (hex serial, as the signature report shows it).
- ``ca crl [--out FILE]``: write the current CRL (DER) to publish at the distribution point.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from .devca import SOFTHSM_LIB, CAError, DevCA, init_token, softhsm_conf

if TYPE_CHECKING:
    from docs_service.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="docs_service ca")
    sub = parser.add_subparsers(dest="action", required=True)
    init = sub.add_parser("init", help="create the development root CA and its CRL")
    init.add_argument("--name", default="Văn bản điện tử — Development CA")
    issue = sub.add_parser("issue", help="issue a signing certificate for a person or an agency")
    issue.add_argument("--cn", required=True, help="the person's full name, or the agency's name")
    issue.add_argument("--org", help="O: the agency")
    issue.add_argument("--unit", help="OU: the unit, or the agency code")
    issue.add_argument("--name", required=True, help="a file/label name for the key, e.g. leader-1")
    issue.add_argument("--passphrase-env", help="the environment variable holding the .p12 passphrase")
    issue.add_argument("--token", help="a PKCS#11 token label: generate the key inside it")
    issue.add_argument("--module", type=Path, default=SOFTHSM_LIB, help="the PKCS#11 module")
    issue.add_argument(
        "--pin-env", default="DOCS_TOKEN_PIN", help="the variable holding the token's user PIN"
    )
    issue.add_argument("--init-token", action="store_true", help="create the SoftHSM2 token if missing")
    issue.add_argument("--so-pin-env", default="DOCS_TOKEN_SO_PIN", help="the variable holding the SO PIN")
    revoke = sub.add_parser("revoke", help="revoke a certificate by its serial number (hex)")
    revoke.add_argument("serial")
    crl = sub.add_parser("crl", help="write the current CRL (DER)")
    crl.add_argument("--out", type=Path)
    return parser


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise CAError(f"set {name} first (secrets are never taken on the command line)")
    return value


def run(settings: Settings, argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    ca = DevCA(settings.signing_dir / "ca", crl_url=settings.signing_crl_url)
    out: dict[str, object]
    try:
        if args.action == "init":
            root = ca.init(name=args.name)
            out = {
                "root": str(ca.root_path),
                "crl": str(ca.crl_path),
                "subject": root.subject.rfc4514_string(),
            }
        elif args.action == "issue":
            ca.init()
            if args.token:
                pin = _env(args.pin_env)
                conf = settings.softhsm2_conf or softhsm_conf(settings.signing_dir / "softhsm2")
                os.environ.setdefault("SOFTHSM2_CONF", str(conf))
                if args.init_token:
                    init_token(
                        Path(os.environ["SOFTHSM2_CONF"]), args.token, pin=pin, so_pin=_env(args.so_pin_env)
                    )
                issued = ca.issue_in_token(
                    lib_path=args.module,
                    token_label=args.token,
                    pin=pin,
                    key_label=args.name,
                    common_name=args.cn,
                    organisation=args.org,
                    unit=args.unit,
                )
                reference: dict[str, object] = {
                    "kind": "pkcs11",
                    "module": str(args.module),
                    "token_label": args.token,
                    "key_label": args.name,
                    "pin": f"<{args.pin_env}>",
                }
                out = {"softhsm2_conf": os.environ["SOFTHSM2_CONF"]}
            else:
                passphrase = (
                    _env(args.passphrase_env)
                    if args.passphrase_env
                    else settings.signing_dev_passphrase.get_secret_value()
                )
                issued = ca.issue_pkcs12(
                    args.name,
                    common_name=args.cn,
                    organisation=args.org,
                    unit=args.unit,
                    passphrase=passphrase.encode(),
                )
                reference = {
                    "kind": "pkcs12",
                    "pkcs12_file": str(issued.pkcs12_path),
                    "passphrase": "<passphrase>",
                }
                out = {}
            out |= {
                "serial": format(issued.serial, "x"),
                "subject": issued.certificate.subject.rfc4514_string(),
                "key_reference": reference,
            }
        elif args.action == "revoke":
            ca.revoke(int(args.serial, 16))
            out = {"revoked": args.serial, "crl": str(ca.crl_path)}
        else:
            data = ca.crl_der()
            if args.out:
                args.out.write_bytes(data)
            out = {"crl": str(args.out or ca.crl_path), "bytes": len(data)}
    except CAError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


async def ca(settings: Settings, argv: list[str]) -> int:
    """the development CA: init, issue (PKCS#12 or inside a PKCS#11 token), revoke, crl"""
    return await anyio.to_thread.run_sync(run, settings, argv)
