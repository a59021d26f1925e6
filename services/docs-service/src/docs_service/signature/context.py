"""What signing and validation need from the settings: whose key is where, what is trusted.

Built with the app (nothing is read or generated then); the development CA is created, and a dev
key issued, on the first signature that needs one.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from .devca import DevCA
from .exceptions import NoSigningKey
from .keys import KeyReference, agency_key_name, person_key_name
from .signer import prepare_pkcs11
from .validator import TrustStore, load_trust


class Signing:
    def __init__(
        self,
        *,
        folder: Path,
        keys: dict[str, KeyReference],
        trust_roots: list[Path],
        crl_files: list[Path],
        dev_ca: bool,
        dev_passphrase: str,
        crl_url: str,
        fetch_revocation: bool = False,
        softhsm2_conf: Path | None = None,
        stamp_font: Path | None = None,
    ) -> None:
        self.keys = keys
        self.trust_roots = trust_roots
        self.crl_files = crl_files
        self.dev_ca = DevCA(folder / "ca", crl_url=crl_url) if dev_ca else None
        self.dev_passphrase = dev_passphrase
        self.fetch_revocation = fetch_revocation
        self.softhsm2_conf = softhsm2_conf
        self.stamp_font = stamp_font if stamp_font is not None and stamp_font.is_file() else None
        self._lock = threading.Lock()

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One issuer at a time, across threads and across processes sharing the folder."""
        assert self.dev_ca is not None  # noqa: S101 - callers check
        self.dev_ca.folder.mkdir(parents=True, exist_ok=True)
        with self._lock, (self.dev_ca.folder / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _dev(self) -> DevCA:
        assert self.dev_ca is not None  # noqa: S101 - callers check
        if not self.dev_ca.exists:
            with self._exclusive():
                if not self.dev_ca.exists:
                    self.dev_ca.init()
        return self.dev_ca

    def _dev_key(
        self, name: str, *, common_name: str, organisation: str | None, unit: str | None
    ) -> KeyReference:
        ca = self._dev()
        path = ca.pkcs12_path(name)
        with self._exclusive():
            if not path.exists():
                ca.issue_pkcs12(
                    name,
                    common_name=common_name,
                    organisation=organisation,
                    unit=unit,
                    passphrase=self.dev_passphrase.encode(),
                )
        return KeyReference(kind="pkcs12", pkcs12_file=path, passphrase=self.dev_passphrase)  # type: ignore[arg-type]

    def person_key(self, user_id: UUID | None, *, name: str | None, agency_name: str | None) -> KeyReference:
        """The leader's personal key: configured for the user, else (development) a dev CA key."""
        key = self.keys.get(person_key_name(user_id)) if user_id else None
        if key is None and self.dev_ca is not None and user_id is not None:
            key = self._dev_key(
                f"user-{user_id}", common_name=name or str(user_id), organisation=agency_name, unit=None
            )
        if key is None:
            raise NoSigningKey(f"no personal signing key is configured for user {user_id} (signing_keys)")
        self._prepare(key)
        return key

    def agency_key(self, org_id: UUID, *, agency_name: str, agency_code: str | None) -> KeyReference:
        """The agency's key (the seal), kept by its clerks: configured, else (development) a dev CA key."""
        key = self.keys.get(agency_key_name(org_id))
        if key is None and self.dev_ca is not None:
            key = self._dev_key(
                f"agency-{org_id}", common_name=agency_name, organisation=agency_name, unit=agency_code
            )
        if key is None:
            raise NoSigningKey(f"no signing key (seal) is configured for agency {org_id} (signing_keys)")
        self._prepare(key)
        return key

    def _prepare(self, key: KeyReference) -> None:
        if key.kind == "pkcs11":
            prepare_pkcs11(self.softhsm2_conf)

    def trust(self) -> TrustStore:
        """The configured roots and CRLs, and the dev CA's when it is on. Read at each validation, so a
        new CRL is seen at once."""
        roots, crls = list(self.trust_roots), list(self.crl_files)
        if self.dev_ca is not None and self.dev_ca.exists:
            self.dev_ca.crl_der()  # re-signed when close to its next update
            roots.append(self.dev_ca.root_path)
            crls.append(self.dev_ca.crl_path)
        return load_trust(roots, crls, fetch=self.fetch_revocation)
