from pydantic import BaseModel, ConfigDict, Field


class Jwk(BaseModel):
    model_config = ConfigDict(extra="allow")  # x, y, crv … depend on the key type

    kty: str = Field(examples=["OKP"])
    kid: str
    use: str = "sig"
    alg: str = Field(examples=["EdDSA"])


class JwkSet(BaseModel):
    keys: list[Jwk]
