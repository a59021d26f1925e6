from .account_lockout import AccountLockout
from .agency import Agency, AgencyChange
from .api_client import ApiClient
from .auth_audit import AuthAudit, AuthAuditHead
from .auth_session import AuthSession
from .backup_code import BackupCode
from .base import Base
from .ip_failure import IpFailure
from .login_challenge import LoginChallenge
from .login_code import LoginCode
from .membership import Membership, Role
from .password_reset import PasswordReset
from .refresh_token import RefreshToken
from .signing_key import SigningKey
from .totp_factor import TotpFactor
from .user import User

__all__ = [
    "AccountLockout",
    "Agency",
    "AgencyChange",
    "ApiClient",
    "AuthAudit",
    "AuthAuditHead",
    "AuthSession",
    "BackupCode",
    "Base",
    "IpFailure",
    "LoginChallenge",
    "LoginCode",
    "Membership",
    "PasswordReset",
    "RefreshToken",
    "Role",
    "SigningKey",
    "TotpFactor",
    "User",
]
