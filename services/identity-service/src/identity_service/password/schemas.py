from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# Long enough for any policy; the policy (in code points, after NFKC) decides and explains.
PasswordField = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = PasswordField
    new_password: str = PasswordField


class PasswordResetComplete(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=200, description="from the link in the reset message")
    new_password: str = PasswordField


class PasswordResetRequested(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    expires_at: datetime
    delivery: str = Field(
        default="email",
        description="the link goes to the user through notify-service (kind password.reset), never here",
    )
