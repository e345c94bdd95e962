#!/usr/bin/env python3
"""Write latency and throughput: COUNT `createEntity` mutations over WRITERS concurrent
keep-alive connections (threads), each write acknowledged only after the server's journal is
fsynced. Prints one line: `RESULT writers=W writes=N p50_ms=.. p99_ms=.. writes_per_s=.. errors=E`.
Only talks to 127.0.0.1. Python 3 standard library only."""

import argparse
import http.client
import json
import sys
import threading
import time

MUTATION = "mutation($input: CreateEntityInput!) { createEntity(input: $input) { entity { id } userErrors { message } } }"


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--writers", type=int, default=1)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--prefix", default="bench")
    args = ap.parse_args()

    latencies = []
    errors = []
    lock = threading.Lock()
    per_writer = [args.count // args.writers + (1 if i < args.count % args.writers else 0)
                  for i in range(args.writers)]

    def writer(w, n):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
        headers = {"Content-Type": "application/json",
                   "Authorization": "Bearer " + args.token}
        mine = []
        bad = 0
        for i in range(n):
            body = json.dumps({"query": MUTATION, "variables": {"input": {
                "id": f"person/{args.prefix}-w{w}-{i}", "kind": "PERSON",
                "name": f"Bench Writer {w} Number {i}"}}})
            t0 = time.perf_counter()
            conn.request("POST", "/graphql", body, headers)
            resp = conn.getresponse()
            data = resp.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if resp.status != 200 or b'"errors"' in data or b'"userErrors":[]' not in data:
                bad += 1
                if bad == 1:
                    print(f"write error: {resp.status} {data[:300]!r}", file=sys.stderr, flush=True)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=writer, args=(w, n)) for w, n in enumerate(per_writer)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    print(f"RESULT writers={args.writers} writes={len(latencies)} "
          f"p50_ms={percentile(latencies, 50):.2f} p99_ms={percentile(latencies, 99):.2f} "
          f"writes_per_s={len(latencies) / elapsed:.1f} errors={sum(errors)}")


if __name__ == "__main__":
    main()
