"""The SDK client both test files use: the organization `acme`'s application `web`, made by
../casdoor-python-sdk.test.js and passed in COMPAT_* environment variables."""

import os

import pytest
from casdoor import CasdoorSDK

ENV = os.environ


@pytest.fixture(scope="module")
def sdk():
    return CasdoorSDK(
        endpoint=ENV["COMPAT_ENDPOINT"],
        client_id=ENV["COMPAT_CLIENT_ID"],
        client_secret=ENV["COMPAT_CLIENT_SECRET"],
        certificate=ENV["COMPAT_CERTIFICATE"],
        org_name="acme",
        application_name="web",
    )
