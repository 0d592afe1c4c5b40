"""Casdoor's Python SDK (PyPI `casdoor`) against the real ferrodoor binary.

Run by ../casdoor-python-sdk.test.js, which starts the server, creates the organization,
user and application, signs alice in on the hosted page, and passes what it made in
COMPAT_* environment variables.
"""

import base64
import json
import os

import jwt
import pytest
from casdoor import CasdoorSDK
from casdoor.user import User

ENV = os.environ


def flip_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[-1] ^= 1
    return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def change_claim(token: str, claim: str, value) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[claim] = value
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def test_password_grant_token_parses_with_the_certificate(sdk):
    token = sdk.get_oauth_token_by_password("alice", ENV["COMPAT_PASSWORD"])
    claims = sdk.parse_jwt_token(token["access_token"])  # RS256, audience = client_id
    assert claims["owner"] == "acme"
    assert claims["name"] == "alice"
    assert claims["iss"] == ENV["COMPAT_ENDPOINT"]


def test_wrong_password_raises(sdk):
    with pytest.raises(Exception):
        sdk.get_oauth_token_by_password("alice", "not-the-password")


def test_tampered_tokens_are_rejected(sdk):
    token = sdk.get_oauth_token_by_password("alice", ENV["COMPAT_PASSWORD"])["access_token"]
    with pytest.raises(jwt.InvalidSignatureError):
        sdk.parse_jwt_token(flip_signature(token))
    with pytest.raises(jwt.InvalidSignatureError):
        sdk.parse_jwt_token(change_claim(token, "isAdmin", True))


def test_another_applications_token_fails_the_audience_check(sdk):
    other = CasdoorSDK(
        endpoint=ENV["COMPAT_ENDPOINT"],
        client_id="someone-else",
        client_secret="x",
        certificate=ENV["COMPAT_CERTIFICATE"],
        org_name="acme",
        application_name="other",
    )
    token = sdk.get_oauth_token_by_password("alice", ENV["COMPAT_PASSWORD"])["access_token"]
    with pytest.raises(jwt.InvalidAudienceError):
        other.parse_jwt_token(token)


def test_get_users_and_get_user(sdk):
    names = [u.name for u in sdk.get_users()]
    assert "alice" in names
    alice = sdk.get_user("alice")
    assert alice.owner == "acme"
    assert alice.email == "alice@example.com"


def test_add_user_with_an_sdk_user_object(sdk):
    # User.to_dict() sends every field of the SDK's User class; the ones Ferrodoor does not
    # model are accepted and ignored.
    dave = User.new(owner="acme", name="dave", created_time="", display_name="Dave", email="dave@example.com")
    dave.password = "dave-Passw0rd!"
    assert sdk.add_user(dave)["data"] == "Affected"
    got = sdk.get_user("dave")
    assert (got.displayName, got.email) == ("Dave", "dave@example.com")
    assert got.password == "***"


def test_update_user_with_an_sdk_user_object(sdk):
    erin = sdk.get_user("erin")
    erin.displayName = "Erin E."
    assert sdk.update_user(erin)["data"] == "Affected"
    assert sdk.get_user("erin").displayName == "Erin E."


def test_delete_user(sdk):
    erin = sdk.get_user("erin")
    assert erin.name == "erin"
    assert sdk.delete_user(erin)["data"] == "Affected"
    assert "erin" not in [u.name for u in sdk.get_users()]


def test_code_exchange_without_redirect_uri(sdk):
    # get_oauth_token(code) sends no redirect_uri (Casdoor does not check it); the code is
    # bound to its exact redirect URI, so Ferrodoor accepts a missing one.
    token = sdk.get_oauth_token(code=ENV["COMPAT_CODE"])
    assert "access_token" in token, token
    assert sdk.parse_jwt_token(token["access_token"])["name"] == "alice"


def test_refresh_rotates_the_refresh_token(sdk):
    token = sdk.get_oauth_token_by_password("alice", ENV["COMPAT_PASSWORD"])
    refreshed = sdk.refresh_oauth_tokens(token["refresh_token"])
    assert "access_token" in refreshed, refreshed
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert sdk.parse_jwt_token(refreshed["access_token"])["name"] == "alice"
    again = sdk.refresh_oauth_tokens(token["refresh_token"])
    assert again.get("error") == "invalid_grant", again
