"""The SDK client both test files use: the organization `acme`'s application `web`, made by
../casdoor-python-sdk.test.js and passed in COMPAT_* environment variables."""

import os

import pytest
from casdoor import CasdoorSDK

ENV = os.environ


def client(org_name: str) -> CasdoorSDK:
    """The application's credentials, speaking for `org_name`."""
    return CasdoorSDK(
        endpoint=ENV["COMPAT_ENDPOINT"],
        client_id=ENV["COMPAT_CLIENT_ID"],
        client_secret=ENV["COMPAT_CLIENT_SECRET"],
        certificate=ENV["COMPAT_CERTIFICATE"],
        org_name=org_name,
        application_name="web",
    )


@pytest.fixture(scope="module")
def sdk():
    return client("acme")


@pytest.fixture(scope="module")
def sdk_for():
    """A client of the same application for another organization."""
    return client
