"""Load driver for `cargo xtask bench-compare`: issues an access token (scope chat) for one
user CALLS times through the official Python SDK, from a ThreadPoolExecutor of CONCURRENCY
threads sharing one client, and prints one JSON line: calls, seconds, p50_ms, p99_ms.

Environment:
  ACS_CONNECTION_STRING   `endpoint=http://127.0.0.1:PORT/;accesskey=KEY` (loopback only)
  ACS_BENCH_USER          raw id of the user to issue tokens for
  ACS_BENCH_CALLS         number of calls
  ACS_BENCH_CONCURRENCY   threads issuing calls at once
"""

import json
import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from azure.communication.identity import (
    CommunicationIdentityClient,
    CommunicationTokenScope,
    CommunicationUserIdentifier,
)
from azure.core.credentials import AzureKeyCredential


def parse_connection_string(text):
    parts = {}
    for segment in text.split(";"):
        name, sep, value = segment.partition("=")
        if sep:
            parts[name.strip().lower()] = value.strip()
    return parts["endpoint"].rstrip("/"), parts["accesskey"]


def percentile(ordered, p):
    if not ordered:
        return 0.0
    rank = min(max(math.ceil(p * len(ordered)), 1), len(ordered))
    return ordered[rank - 1]


def main():
    endpoint, access_key = parse_connection_string(os.environ["ACS_CONNECTION_STRING"])
    user = CommunicationUserIdentifier(os.environ["ACS_BENCH_USER"])
    calls = int(os.environ["ACS_BENCH_CALLS"])
    concurrency = max(1, int(os.environ["ACS_BENCH_CONCURRENCY"]))
    client = CommunicationIdentityClient(endpoint, AzureKeyCredential(access_key))
    def one_call(_):
        sent = time.perf_counter()
        client.get_token(user, [CommunicationTokenScope.CHAT])
        return (time.perf_counter() - sent) * 1000.0

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = sorted(pool.map(one_call, range(calls)))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "calls": len(latencies),
                "seconds": seconds,
                "p50_ms": percentile(latencies, 0.5),
                "p99_ms": percentile(latencies, 0.99),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - one line for the caller, then a failure code
        print(f"issue_token.py: {error}", file=sys.stderr)
        sys.exit(1)
