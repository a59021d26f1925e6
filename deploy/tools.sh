#!/usr/bin/env bash
# The command-line tools the tests run as independent checkers or real parts, installed from Debian
# when missing: softhsm2 (PKCS#11 keys for signatures), xmllint (libxml2-utils) and xmlsec1 (edXML
# packages checked by tools that are not ours).
set -euo pipefail
SCRIPT_NAME=tools.sh
# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v xmlsec1 >/dev/null 2>&1 || missing+=(xmlsec1)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
