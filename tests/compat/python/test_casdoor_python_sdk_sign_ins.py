"""Casdoor's Python SDK session, token and sign-out calls (issue 13) against the real
ferrodoor binary, as the organization acme's application (conftest.py): add/get/update/
delete_session, get_sessions, get_tokens/get_token/update_token/delete_token/add_token,
logout_current_session and logout (`/api/sso-logout`).
"""

import pytest
import requests
from casdoor.session import Session
from casdoor.token import Token
from casdoor.user import User

PASSWORD = "hal-Passw0rd!"


@pytest.fixture(scope="module")
def hal(sdk):
    user = User.new(owner="acme", name="hal", created_time="", display_name="Hal", email="")
    user.password = PASSWORD
    assert sdk.add_user(user)["data"] == "Affected"
    return "hal"


def account_status(sdk, token: str) -> int:
    r = requests.get(sdk.endpoint + "/api/get-account", headers={"Authorization": f"Bearer {token}"})
    return r.status_code


def test_sessions_round_trip(sdk, hal):
    # The SDK's class as it comes: sessionId [""], sessionInfos, ExclusiveSignin.
    s = Session.new(owner="acme", name=hal, application="web", created_time="", session_id=["py-1"])
    assert sdk.add_session(s)["data"] == "Affected"
    read = sdk.get_session(hal, "web")
    assert read.sessionId == ["py-1"]
    read.sessionId = ["py-1", "py-2"]
    assert sdk.update_session(read)["data"] == "Affected"
    assert [x.name for x in sdk.get_sessions()] == [hal]
    page, total = sdk.get_pagination_sessions(1, 10)
    assert total == 1 and page[0].sessionId == ["py-1", "py-2"]
    assert sdk.delete_session(read)["data"] == "Affected"
    assert sdk.get_session(hal, "web") is None


def test_tokens_show_no_credential_and_stop_working_when_changed(sdk, hal):
    bearer = sdk.get_oauth_token_by_password(hal, PASSWORD)["access_token"]
    tokens = [t for t in sdk.get_tokens() if t.user == hal]
    assert len(tokens) == 1
    token = sdk.get_token(tokens[0].name)
    assert token.organization == "acme"
    assert token.accessToken == "" and token.refreshTokenHash == ""
    assert account_status(sdk, bearer) == 200
    token.expiresIn = 0
    assert sdk.update_token(token)["data"] == "Affected"
    assert account_status(sdk, bearer) == 401
    assert sdk.delete_token(token)["data"] == "Affected"
    assert sdk.get_token(token.name) is None


def test_add_token_issues_a_working_token(sdk, hal):
    t = Token()
    t.owner, t.name, t.application, t.organization, t.user, t.scope = "admin", "py-minted", "web", "acme", hal, "read"
    answer = sdk.add_token(t)
    assert answer["data"] == "Affected"
    assert account_status(sdk, answer["data2"]["accessToken"]) == 200


def test_logout_current_session_then_everywhere(sdk, hal):
    first = sdk.get_oauth_token_by_password(hal, PASSWORD)["access_token"]
    second = sdk.get_oauth_token_by_password(hal, PASSWORD)["access_token"]
    sdk.logout_current_session(first)
    assert account_status(sdk, first) == 401
    assert account_status(sdk, second) == 200
    sdk.logout(second)
    assert account_status(sdk, second) == 401
    # Nobody signed in any more: ok, as Casdoor answers.
    assert sdk.logout(second)["status"] == "ok"
