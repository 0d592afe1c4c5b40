"""Prints what a Schemathesis run sent and got: requests per status code, and the operations
that never got past authentication (only 401s)."""

import collections
import json
import sys
from urllib.parse import urlsplit

entries = json.load(open(sys.argv[1]))["log"]["entries"]
statuses = collections.Counter(e["response"]["status"] for e in entries)
print(f"requests: {len(entries)}; by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))


def operation(entry):
    path = urlsplit(entry["request"]["url"]).path
    if path.startswith("/console/") and path != "/console/":
        path = "/console/{path}"
    return f'{entry["request"]["method"]} {path}'


# Schemathesis also sends methods a path does not have (its unsupported-method probes, 405):
# those are not operations.
seen = collections.defaultdict(collections.Counter)
for e in entries:
    if e["response"]["status"] != 405:
        seen[operation(e)][e["response"]["status"]] += 1
reached = sorted(op for op, counts in seen.items() if set(counts) != {401})
only_401 = sorted(op for op, counts in seen.items() if set(counts) == {401})
print(f"operations: {len(seen)}; past authentication at least once: {len(reached)}")
if only_401:
    print("only ever 401: " + ", ".join(only_401))
