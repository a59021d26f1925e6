"""The SMS provider simulator (``python -m notify_service.sms.simulator --port 8191``)."""

from .app import Behaviour, BehaviourUpdate, SimMessage, Simulator, SimulatorConfig, create_simulator
from .matching import config_matching

__all__ = [
    "Behaviour",
    "BehaviourUpdate",
    "SimMessage",
    "Simulator",
    "SimulatorConfig",
    "config_matching",
    "create_simulator",
]
