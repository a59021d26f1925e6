"""Settings from the environment, and the router they build, sending to a real simulator."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr, ValidationError
from sms_harness import reserve, serve

from kit_core import InsecureSettings
from notify_service.sms import BrandnameProvider, GenericHttpProvider, SmsSettings, open_sms_router
from notify_service.sms.simulator import SimulatorConfig, create_simulator


def test_defaults_point_at_the_simulator_and_are_development_only():
    settings = SmsSettings()
    assert [(p.name, p.kind, p.base_url) for p in settings.providers] == [
        ("sim-generic", "generic", "http://127.0.0.1:8191/generic"),
        ("sim-brandname", "brandname", "http://127.0.0.1:8191/brandname"),
    ]
    settings.check_secrets("development")
    with pytest.raises(InsecureSettings, match=r"sim-generic\.receipt_secret, sim-generic\.api_key"):
        settings.check_secrets("production")


def test_providers_and_thresholds_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(
        "NOTIFY_SMS_PROVIDERS",
        json.dumps(
            [
                {
                    "name": "viettel",
                    "kind": "brandname",
                    "base_url": "https://gw.example.vn/api",
                    "unicode": False,
                    "password": "p",
                    "receipt_secret": "r1",
                    "brandname": "UBND-NINHBINH",
                },
                {
                    "name": "backup",
                    "kind": "generic",
                    "base_url": "https://sms.example.com/v1",
                    "api_key": "k",
                    "receipt_secret": "r2",
                },
            ]
        ),
    )
    monkeypatch.setenv("NOTIFY_SMS_MAX_ERRORS", "50")
    monkeypatch.setenv("NOTIFY_SMS_COOLDOWN_SECONDS", "300")
    settings = SmsSettings()

    settings.check_secrets("production")
    assert [p.name for p in settings.providers] == ["viettel", "backup"]
    assert (settings.policy().max_errors, settings.policy().cooldown_seconds) == (50, 300)


@pytest.mark.parametrize(
    "providers",
    [
        [
            {"name": "a", "kind": "generic", "base_url": "http://x"},
            {"name": "a", "kind": "generic", "base_url": "http://y"},
        ],
        [{"name": "A b", "kind": "generic", "base_url": "http://x"}],
        [{"name": "a", "kind": "carrier-pigeon", "base_url": "http://x"}],
        [{"name": "a", "kind": "generic", "base_url": "ftp://x"}],
    ],
)
def test_bad_provider_lists_are_refused(providers):
    with pytest.raises(ValidationError):
        SmsSettings(providers=providers)


async def test_the_router_built_from_settings_sends_through_the_simulator():
    sock, url = reserve()
    sim = create_simulator(SimulatorConfig(api_key=SecretStr("k"), password=SecretStr("p")))
    settings = SmsSettings(
        providers=[
            {"name": "gw", "kind": "brandname", "base_url": f"{url}/brandname", "password": "p"},
            {"name": "json", "kind": "generic", "base_url": f"{url}/generic", "api_key": "k"},
        ]
    )
    async with serve((sim, sock)), open_sms_router(settings, env="test") as router:
        assert [type(router.provider(n)) for n in ("gw", "json")] == [BrandnameProvider, GenericHttpProvider]
        outcome = await router.send(to="+84912345678", text="Mã xác thực: 123456", reference="otp-1")
        assert (outcome.provider, outcome.accepted) == ("gw", True)
        assert [m.text for m in sim.state.simulator.messages] == ["Mã xác thực: 123456"]
