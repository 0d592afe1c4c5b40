"""Prints what a Schemathesis run sent and got: requests per status code, and per operation
how many reached past authentication (anything but 401)."""

import collections
import json
import sys
from urllib.parse import urlsplit

entries = json.load(open(sys.argv[1]))["log"]["entries"]
statuses = collections.Counter(e["response"]["status"] for e in entries)
print(f"requests: {len(entries)}; by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
past_auth = collections.Counter()
for e in entries:
    if e["response"]["status"] != 401:
        past_auth[(e["request"]["method"], urlsplit(e["request"]["url"]).path)] += 1
print(f"operations answered other than 401 at least once: {len(past_auth)}")
