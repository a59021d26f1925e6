"""Docker HEALTHCHECK for `<package> serve`: GET /healthz on the port the service listens on.

Standard library only, so a probe costs a few milliseconds instead of importing the service.
The image sets SERVICE_ENV_PREFIX (e.g. ROUTING_) and <PREFIX>PORT; the worker and the migration
have no HTTP server, so compose disables this check for them.
"""

import os
import sys
import urllib.request


def main() -> int:
    prefix = os.environ.get("SERVICE_ENV_PREFIX", "")
    port = int(os.environ.get(f"{prefix}PORT", "8000"))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        sys.stderr.write(f"healthz on :{port} failed: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
