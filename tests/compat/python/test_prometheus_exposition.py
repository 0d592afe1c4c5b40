"""Prometheus' own text-format parser (prometheus_client) reads Ferrodoor's /api/metrics.

The node test (prometheus-exposition.test.js) starts the server, makes known traffic and
scrapes once; the scrape arrives in COMPAT_METRICS_FILE.
"""

import os

from prometheus_client.parser import text_string_to_metric_families


def families():
    with open(os.environ["COMPAT_METRICS_FILE"], encoding="utf-8") as f:
        return {family.name: family for family in text_string_to_metric_families(f.read())}


def value(family, sample_name, **labels):
    for sample in family.samples:
        if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    raise AssertionError(f"no sample {sample_name} {labels} in {family.samples}")


def test_every_metric_family_parses_with_its_type():
    parsed = families()
    # The parser strips `_total` from counter family names.
    expected = {
        "ferrodoor_http_requests": "counter",
        "ferrodoor_http_request_duration_seconds": "histogram",
        "ferrodoor_logins": "counter",
        "ferrodoor_db_pool_connections": "gauge",
        "ferrodoor_db_pool_max_connections": "gauge",
        "ferrodoor_tokens_issued": "counter",
    }
    for name, kind in expected.items():
        assert name in parsed, f"{name} missing; got {sorted(parsed)}"
        assert parsed[name].type == kind, f"{name} is {parsed[name].type}, not {kind}"


def test_the_known_traffic_is_counted():
    parsed = families()
    logins = parsed["ferrodoor_logins"]
    assert value(logins, "ferrodoor_logins_total", method="console_password", outcome="success") == 1
    assert value(logins, "ferrodoor_logins_total", method="console_password", outcome="failure") == 2
    assert value(logins, "ferrodoor_logins_total", method="password", outcome="success") == 1
    issued = parsed["ferrodoor_tokens_issued"]
    assert value(issued, "ferrodoor_tokens_issued_total", grant="password") == 1
    requests = parsed["ferrodoor_http_requests"]
    assert value(requests, "ferrodoor_http_requests_total", route="/api/login", method="POST", status="401") == 2


def test_histogram_buckets_are_cumulative_and_end_in_inf():
    family = families()["ferrodoor_http_request_duration_seconds"]
    labels = {"route": "/api/login", "method": "POST", "status": "401"}
    buckets = [s for s in family.samples if s.name.endswith("_bucket") and all(s.labels.get(k) == v for k, v in labels.items())]
    assert buckets[-1].labels["le"] == "+Inf"
    counts = [b.value for b in buckets]
    assert counts == sorted(counts)
    assert counts[-1] == value(family, "ferrodoor_http_request_duration_seconds_count", **labels) == 2
