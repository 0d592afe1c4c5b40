"""Schemathesis hooks for Ferrodoor's fuzz run (loaded through SCHEMATHESIS_HOOKS).

With FUZZ_ADMIN_PASSWORD set, every request carries the built-in administrator's session
cookie, so that the fuzzer gets past authentication into the management API. The session is
renewed periodically: a fuzzed request may sign it out (revoke-user-tokens, logout).
"""

import os

import requests
import schemathesis

BASE = os.environ["FUZZ_BASE"]
PASSWORD = os.environ.get("FUZZ_ADMIN_PASSWORD")

if PASSWORD:

    @schemathesis.auth(refresh_interval=20)
    class AdminSession:
        def get(self, case, context):
            answer = requests.post(
                f"{BASE}/api/login",
                json={"organization": "built-in", "username": "admin", "password": PASSWORD},
                timeout=10,
            )
            cookie = answer.cookies.get("ferrodoor_session")
            if answer.status_code != 200 or not cookie:
                # The fuzzer changed the password or forbade the account: carry on unauthenticated
                # rather than abort the run (the summary counts 401s).
                return None
            return cookie

        def set(self, case, data, context):
            if data:
                case.headers = case.headers or {}
                case.headers["Cookie"] = f"ferrodoor_session={data}"
