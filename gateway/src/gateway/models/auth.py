"""Token request and response."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.models.common import Input


class TokenRequest(Input):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class PasswordChange(Input):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=12, max_length=1024,
                              description="At least 12 characters")
