#!/usr/bin/env python3
"""The side-by-side benchmark of bench/run (issue 13): newsgraph, Apollo Server, GraphQL Yoga
and the floor, on the same machine in one run. bench/run installs what it needs and calls this.

For each dataset of $DATASETS (`seed`: the built-in default data; a number N: the graph
`newsgraph generate --nodes N` writes into bench/data/N):
  1. starts newsgraph (the release binary, --production) pinned to core $SERVER_CORE and waits
     until it is ready and its background ranking is done;
  2. picks the mix's arguments that exist in the dataset (printed), renders the queries of
     bench/compare/queries/ and records newsgraph's exact response bytes for each;
  3. exports the data the mix needs to JSON (export.mjs) and starts the floor (those bytes,
     from a minimal axum handler), Apollo Server and GraphQL Yoga (resolvers.mjs over the
     export), all pinned to the same core;
  4. checks that every server answers every query with the same JSON `data` as newsgraph
     (and no errors); a mismatch stops the run with a diff. With --check-only, stops here;
  5. warms every server on every query, then measures $ROUNDS interleaved rounds (each round:
     every query, on every server in turn; a run that would complete fewer than $MIN_REQUESTS
     requests in $DURATION is made longer) with wrk on core $CLIENT_CORE: server CPU time per
     request (utime + stime from /proc/PID/stat around each wrk run, over the requests wrk
     completed), requests/s, p50/p99 latency, resident memory (VmRSS after the run);
  6. prints a markdown table per dataset: medians over the rounds with min-max, and ratios.
Everything talks to 127.0.0.1; every server started is stopped on exit. The raw measurements
and logs are kept in bench/data/compare/DATASET/ (gitignored).
"""

import atexit
import difflib
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPARE = ROOT / "bench" / "compare"
DATA = ROOT / "bench" / "data"
POST_LUA = ROOT / "bench" / "post.lua"

DATASETS = os.environ.get("DATASETS", "seed 10000 100000").split()
DURATION = os.environ.get("DURATION", "2s")
WARMUP = os.environ.get("WARMUP", "1s")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
PLURAL = "" if ROUNDS == 1 else "s"
CONNECTIONS = int(os.environ.get("CONNECTIONS", "32"))
SERVER_CORE = os.environ.get("SERVER_CORE", "0")
CLIENT_CORE = os.environ.get("CLIENT_CORE", "1")
READY_TIMEOUT = float(os.environ.get("READY_TIMEOUT", "600"))
BIN = os.environ["BENCH_BIN"]  # replaced by a copy in main(): see there
FLOOR_BIN = os.environ["FLOOR_BIN"]
NODE = os.environ.get("NODE", "node")
MIN_REQUESTS = int(os.environ.get("MIN_REQUESTS", "1000"))
MAX_DURATION = os.environ.get("MAX_DURATION", "10s")
CHECK_ONLY = "--check-only" in sys.argv[1:]


def seconds(name, value):
    # wrk takes whole numbers of a unit only: "0.5s" would stop the run at its first measure.
    m = re.fullmatch(r"([1-9][0-9]*)([smh]?)", value)
    if not m:
        sys.exit(f"bench/run: {name} is a whole number of s, m or h for wrk, not {value!r}")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


DURATION_S = seconds("DURATION", DURATION)
WARMUP_S = seconds("WARMUP", WARMUP)
MAX_DURATION_S = max(DURATION_S, seconds("MAX_DURATION", MAX_DURATION))
CLK_TCK = int(subprocess.check_output(["getconf", "CLK_TCK"], text=True))

# The order of the columns, and of the servers within each query of a round.
SERVERS = ["floor", "newsgraph", "apollo", "yoga"]
TITLES = {"floor": "floor", "newsgraph": "newsgraph", "apollo": "Apollo", "yoga": "Yoga"}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def fail(message):
    log(f"bench/run: {message}")
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Servers


class Server:
    def __init__(self, name, argv, env, logfile, port):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.log = logfile
        # taskset execs the server, so the child's pid is the server's own: /proc/PID/stat
        # then counts the server's threads and nothing else. Pinned from the start, every
        # runtime sizes itself to the one core (tokio starts one worker).
        self.proc = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, *argv],
            env=env,
            stdout=open(logfile, "wb"),
            stderr=subprocess.STDOUT,
            cwd=COMPARE,
        )
        self.pid = self.proc.pid
        RUNNING.append(self)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self in RUNNING:
            RUNNING.remove(self)

    def cpu_ticks(self):
        # Fields after the command name (which may hold spaces, inside parentheses):
        # utime and stime are the 14th and 15th fields of the whole line.
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return int(fields[11]) + int(fields[12])

    def rss_mb(self):
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def wait_port(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                fail(f"{self.name} exited:\n{Path(self.log).read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        fail(f"{self.name} did not listen within {timeout} s")

    def wait_idle(self, timeout=60):
        # Nothing left running in the background (a load's last phase, a JIT, a GC): the CPU
        # time measured per request is then the requests' own.
        deadline = time.time() + timeout
        while time.time() < deadline:
            before = self.cpu_ticks()
            time.sleep(0.5)
            if self.cpu_ticks() - before <= 1:
                return
        log(f"warning: {self.name} still busy after {timeout} s")


RUNNING = []


def stop_all():
    for server in list(RUNNING):
        server.stop()


atexit.register(stop_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
signal.signal(signal.SIGINT, lambda *_: sys.exit(130))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body, timeout=120):
    """POSTs the exact bytes `body`; returns (status, response bytes)."""
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def gql(server, query):
    status, raw = post(server.url, json.dumps({"query": query}).encode())
    answer = json.loads(raw)
    if status != 200 or answer.get("errors"):
        fail(f"{server.name} answered {status} to {query}: {raw[:1000]!r}")
    return answer["data"]


def start_newsgraph(dataset, work):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSGRAPH_")}
    env["RUST_LOG"] = os.environ.get("RUST_LOG", "warn")
    port = free_port()
    argv = [BIN, "--addr", f"127.0.0.1:{port}", "--production"]
    if dataset != "seed":
        argv += ["--seed", str(DATA / dataset)]
    started = time.time()
    server = Server("newsgraph", argv, env, work / "newsgraph.log", port)
    deadline = started + READY_TIMEOUT
    while True:
        if not server.alive():
            fail(f"newsgraph exited:\n{(work / 'newsgraph.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as res:
                if res.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        if time.time() > deadline:
            fail(f"newsgraph was not ready within {READY_TIMEOUT} s")
        time.sleep(0.2)
    ready_s = time.time() - started
    # PageRank runs in the background after the load; it would be charged to the requests.
    while gql(server, "{ stats { centralityVersion } }")["stats"]["centralityVersion"] is None:
        if time.time() > deadline:
            fail("newsgraph's ranking did not finish")
        time.sleep(0.2)
    return server, ready_s


def start_others(work, answers_file, data_file):
    servers = {}
    env = dict(os.environ, NODE_ENV="production")
    port = free_port()
    servers["floor"] = Server("floor", [FLOOR_BIN, f"127.0.0.1:{port}", str(answers_file)], env, work / "floor.log", port)
    for name in ("apollo", "yoga"):
        port = free_port()
        servers[name] = Server(
            name,
            [NODE, str(COMPARE / f"{name}.mjs"), "--port", str(port), "--data", str(data_file)],
            env,
            work / f"{name}.log",
            port,
        )
    for server in servers.values():
        server.wait_port(60)
    return servers


# ---------------------------------------------------------------------------------------------
# The mix


def literal(value):
    # A GraphQL string literal: JSON's escapes are GraphQL's.
    return json.dumps(value)


def pick_arguments(ng, dataset):
    """The mix's arguments, as GraphQL literals, for values that exist in the dataset."""
    top = gql(ng, "{ entities(orderBy: {field: DEGREE, direction: DESC}, first: 1) { nodes { id degree } } }")
    top = top["entities"]["nodes"][0]
    args = {"entity": literal(top["id"])}
    notes = [f"entity = `{top['id']}` (the most relations: {top['degree']})"]
    if dataset == "seed":
        # The article's subject, as issue 13's seed queries.
        args.update(
            entity=literal("state/estonia"),
            relations_of=literal("state/estonia"),
            search=literal("tsakhna"),
            neighborhood=literal("state/estonia"),
            path_from=literal("person/alar-karis"),
            path_to=literal("org/nato"),
            status_from=literal("state/estonia"),
            status_type="PARTY_TO",
            status_to=literal("treaty/ottawa-convention"),
            status_as_of=literal("2025-12-27"),
        )
        notes = ["the seed queries as issue 13 gives them: `state/estonia` for the entity queries, "
                 "\"tsakhna\", Karis → NATO, Estonia PARTY_TO the Ottawa Convention on 2025-12-27"]
        return args, notes
    persons = gql(ng, "{ entities(kinds: [PERSON], first: 2) { nodes { id name } } }")["entities"]["nodes"]
    if len(persons) < 2:
        fail(f"{dataset}: fewer than two persons")
    status = None
    after = None
    while status is None:
        page = gql(
            ng,
            "{ entities(kinds: [STATE], first: 20%s) { pageInfo { hasNextPage endCursor } nodes { id "
            "relations(relationTypes: [PARTY_TO], direction: OUTGOING, first: 100) { edges { entity { id } validUntil } } } } }"
            % (f", after: {literal(after)}" if after else ""),
        )["entities"]
        for state in page["nodes"]:
            ending = [e for e in state["relations"]["edges"] if e["validUntil"]]
            if ending:
                status = (state["id"], ending[0]["entity"]["id"], ending[0]["validUntil"])
                break
        if status is None and not page["pageInfo"]["hasNextPage"]:
            fail(f"{dataset}: no state has a PARTY_TO relation that ends")
        after = page["pageInfo"]["endCursor"]
    args.update(
        relations_of=args["entity"],
        search=literal(persons[0]["name"]),
        neighborhood=args["entity"],
        path_from=literal(persons[0]["id"]),
        path_to=literal(persons[1]["id"]),
        status_from=literal(status[0]),
        status_type="PARTY_TO",
        status_to=literal(status[1]),
        status_as_of=literal(status[2]),
    )
    notes += [
        f"relations with evidence and the neighbourhood of `{top['id']}`",
        f"search {literal(persons[0]['name'])} (the first person's name)",
        f"path `{persons[0]['id']}` → `{persons[1]['id']}` (the first two persons)",
        f"relationStatus `{status[0]}` PARTY_TO `{status[1]}` on {status[2]}, the day it ends",
    ]
    return args, notes


def render_queries(args, work):
    """[(stem, label, query text, body file)] for the queries of bench/compare/queries/."""
    out = []
    for path in sorted((COMPARE / "queries").glob("*.graphql")):
        lines = path.read_text().splitlines()
        label = lines[0].lstrip("# ").strip()
        text = " ".join(line.strip() for line in lines if line.strip() and not line.startswith("#"))
        text = re.sub(r"\{\{(\w+)\}\}", lambda m: args[m.group(1)], text)
        (work / f"{path.stem}.graphql").write_text(text)
        body = work / f"{path.stem}.json"
        # No newline at the end: these are the exact bytes every client sends (and the floor's
        # key for its answer).
        body.write_bytes(json.dumps({"query": text}, separators=(",", ":")).encode())
        out.append((path.stem, label, text, body))
    return out


def diff(a, b, name_a, name_b):
    fmt = lambda v: json.dumps(v, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
    lines = list(difflib.unified_diff(fmt(a), fmt(b), name_a, name_b, lineterm="", n=2))
    return "\n".join(lines[:80] + ([f"... ({len(lines) - 80} more lines)"] if len(lines) > 80 else []))


def check(servers, queries, expected):
    """Every server answers every query with newsgraph's `data` and no errors."""
    for stem, label, _, body in queries:
        want_raw = expected[stem]
        want = json.loads(want_raw)
        want_ordered = json.loads(want_raw, object_pairs_hook=list)
        for name in SERVERS:
            status, raw = post(servers[name].url, body.read_bytes())
            try:
                got = json.loads(raw)
                ordered = json.loads(raw, object_pairs_hook=list)
            except ValueError:
                fail(f"check: {name} answered {stem} with {status} and no JSON: {raw[:500]!r}")
            if status != 200 or got.get("errors"):
                fail(f"check: {name} answered {stem} with {status}: {json.dumps(got.get('errors'))[:2000]}")
            if got.get("data") != want["data"]:
                fail(f"check: {name} differs from newsgraph on {stem} ({label}):\n" + diff(want["data"], got.get("data"), "newsgraph", name))
            # GraphQL answers fields in the order they were asked: the same order too.
            if ordered != want_ordered:
                fail(f"check: {name} orders the fields of {stem} otherwise than newsgraph:\n{raw[:1000]!r}")
            if name == "floor" and raw != want_raw:
                fail(f"check: the floor's bytes for {stem} are not newsgraph's")
            if name == "newsgraph" and raw != want_raw:
                fail(f"check: newsgraph answered {stem} with other bytes than a moment ago")
        log(f"  ok  {stem}: {len(want_raw)} bytes, the same data from {', '.join(SERVERS)}")


# ---------------------------------------------------------------------------------------------
# Measuring


def wrk(server, body, duration_s):
    argv = [
        "taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration_s}s",
        "--timeout", "10s", "-s", str(POST_LUA), server.url,
    ]
    env = dict(os.environ, WRK_BODY=str(body))
    before = server.cpu_ticks()
    started = time.time()
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = time.time() - started
    ticks = server.cpu_ticks() - before
    m = re.search(r"RESULT p50_ms=(\S+) p99_ms=(\S+) rps=(\S+) requests=(\d+) errors=(\d+)", out.stdout)
    if out.returncode != 0 or not m:
        fail(f"wrk failed on {server.name}: {out.stdout}\n{out.stderr}")
    p50, p99, rps = (float(x) for x in m.groups()[:3])
    requests, errors = int(m.group(4)), int(m.group(5))
    cpu_s = ticks / CLK_TCK
    return {
        "cpu_us": cpu_s * 1e6 / max(requests, 1),
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "requests": requests,
        "errors": errors,
        "rss_mb": server.rss_mb(),
        # The share of the server's core it kept busy: about 100% unless the client was the
        # bottleneck.
        "busy": cpu_s / wall,
        "duration_s": duration_s,
    }


def median_range(values, fmt):
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def num(v):
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(a, b):
    r = a / b
    return f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


# Issue 13, item 2: the targets, on medians. "Single-entity lookups" are the two queries that
# fetch one entity by id alone; the 600-object answer is 04; "every seed query" is every other
# query of the mix when the dataset is the seed.
LOOKUPS = {"01-typename", "02-entity"}
LARGE = "04-100-entities-5-related"


def targets(dataset, queries, med):
    def verdict(title, stems, value, limit):
        stems = [q for q in queries if q[0] in stems]
        if not stems:
            return []
        got = [(value(q[0]), q[1]) for q in stems]
        missed = [g for g in got if g[0] > limit]
        best, worst = min(got), max(got)
        text = f"met on all {len(got)}" if not missed else f"missed on {len(missed)} of {len(got)}"
        span = f"{worst[1]}, {worst[0]:.2f}×" if len(got) == 1 else f"from {best[0]:.2f}× ({best[1]}) to {worst[0]:.2f}× ({worst[1]})"
        return [f"- {title}: {text}: {span}"]

    all_stems = {q[0] for q in queries}
    ng = lambda stem, k: med(stem, "newsgraph", k)
    near_floor = {LARGE} | (all_stems - LOOKUPS if dataset == "seed" else set())
    return [
        "Issue 13's targets (item 2), on these medians:",
        *verdict("CPU ≤ 1/10 of Apollo's", all_stems, lambda q: ng(q, "cpu_us") / med(q, "apollo", "cpu_us"), 0.1),
        *verdict("CPU ≤ 1/10 of Yoga's", all_stems, lambda q: ng(q, "cpu_us") / med(q, "yoga", "cpu_us"), 0.1),
        *verdict("p99 lower than Apollo's", all_stems, lambda q: ng(q, "p99_ms") / med(q, "apollo", "p99_ms"), 0.999),
        *verdict("p99 lower than Yoga's", all_stems, lambda q: ng(q, "p99_ms") / med(q, "yoga", "p99_ms"), 0.999),
        *verdict("CPU ≤ 2× the floor's on `{ __typename }` and `entity(id)`", LOOKUPS, lambda q: ng(q, "cpu_us") / med(q, "floor", "cpu_us"), 2),
        *verdict(
            "CPU ≤ 5× the floor's on the 600-object answer" + (" and every other seed query" if dataset == "seed" else ""),
            near_floor,
            lambda q: ng(q, "cpu_us") / med(q, "floor", "cpu_us"),
            5,
        ),
    ]


def tables(dataset, queries, expected, results, header):
    med = lambda q, s, k: statistics.median(r[k] for r in results[(q, s)])
    lines = [*header, "", f"Server CPU-µs per request, median of {ROUNDS} round{PLURAL} (min–max):", ""]
    lines.append("| query | bytes | " + " | ".join(TITLES[s] for s in SERVERS) + " | newsgraph ÷ floor | ÷ Apollo | ÷ Yoga |")
    lines.append("|---|--:|" + "--:|" * len(SERVERS) + "--:|--:|--:|")
    for stem, label, _, _ in queries:
        cells = [median_range([r["cpu_us"] for r in results[(stem, s)]], num) for s in SERVERS]
        ng = med(stem, "newsgraph", "cpu_us")
        ratios = [ratio(ng, med(stem, s, "cpu_us")) for s in ("floor", "apollo", "yoga")]
        lines.append(f"| {label} | {len(expected[stem]):,} | " + " | ".join(cells + ratios) + " |")
    lines += ["", *targets(dataset, queries, med)]
    lines += ["", f"Requests/s · p50 / p99 ms (medians of {ROUNDS} round{PLURAL}), and newsgraph's p99 ÷ theirs:", ""]
    lines.append("| query | " + " | ".join(TITLES[s] for s in SERVERS) + " | p99 ÷ Apollo | p99 ÷ Yoga |")
    lines.append("|---|" + "--:|" * len(SERVERS) + "--:|--:|")
    for stem, label, _, _ in queries:
        cells = [
            f"{med(stem, s, 'rps'):,.0f} · {med(stem, s, 'p50_ms'):.2f} / {med(stem, s, 'p99_ms'):.2f}"
            for s in SERVERS
        ]
        ng99 = med(stem, "newsgraph", "p99_ms")
        cells += [ratio(ng99, med(stem, s, "p99_ms")) for s in ("apollo", "yoga")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    rss = ", ".join(
        f"{TITLES[s]} " + median_range([r["rss_mb"] for q in queries for r in results[(q[0], s)]], lambda v: f"{v:.0f}")
        for s in SERVERS
    )
    lines += ["", f"Resident memory after each run (VmRSS, MB, median and min–max over all runs): {rss}."]
    busy = ", ".join(
        f"{TITLES[s]} {statistics.median(r['busy'] for q in queries for r in results[(q[0], s)]):.0%}" for s in SERVERS
    )
    lines.append(
        f"Share of its core each server kept busy, median over its runs: {busy} (below 100% when "
        f"the client, or other work on the machine, held it back; CPU per request counts either way)."
    )
    errors = sum(r["errors"] for rs in results.values() for r in rs)
    if errors:
        lines.append(f"**wrk counted {errors} errors (non-2xx or timeouts): see the raw results.**")
    longer = [
        f"{TITLES[s]} on {label} ({rs[0]['duration_s']} s)"
        for stem, label, _, _ in queries
        for s in SERVERS
        if (rs := results[(stem, s)])[0]["duration_s"] > DURATION_S
    ]
    if longer:
        lines.append(f"Runs made longer than {DURATION_S} s to reach {MIN_REQUESTS:,} requests: " + "; ".join(longer) + ".")
    worst = max(CONNECTIONS / max(r["requests"], 1) for rs in results.values() for r in rs)
    lines.append(
        f"Fewest requests in one run: {min(r['requests'] for rs in results.values() for r in rs):,} "
        f"(the up to {CONNECTIONS} requests in flight when a run ends are at most {worst:.1%} of it)."
    )
    lines += [
        "",
        "<details><summary>Every figure per query and server, median of the rounds (min–max)</summary>",
        "",
        "| query | server | CPU-µs / request | requests/s | p50 ms | p99 ms | VmRSS MB | core busy |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for stem, label, _, _ in queries:
        for s in SERVERS:
            rs = results[(stem, s)]
            col = lambda k, fmt: median_range([r[k] for r in rs], fmt)
            lines.append(
                f"| {label} | {TITLES[s]} | {col('cpu_us', num)} | {col('rps', lambda v: f'{v:,.0f}')} | "
                f"{col('p50_ms', num)} | {col('p99_ms', num)} | {col('rss_mb', lambda v: f'{v:.0f}')} | "
                f"{col('busy', lambda v: f'{v:.0%}')} |"
            )
    lines += ["", "</details>"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def machine():
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    node = subprocess.run([NODE, "--version"], capture_output=True, text=True).stdout.strip()
    lock = json.loads((COMPARE / "package-lock.json").read_text())["packages"]
    pkgs = ", ".join(f"{p} {lock['node_modules/' + p]['version']}" for p in ("@apollo/server", "graphql-yoga", "graphql"))
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB; Node {node} ({pkgs}); "
        f"servers on core {SERVER_CORE}, `wrk -t1 -c{CONNECTIONS} -d{DURATION_S}s` on core {CLIENT_CORE} "
        f"(longer, up to {MAX_DURATION_S} s, where that gives fewer than {MIN_REQUESTS:,} requests), "
        f"{ROUNDS} interleaved round{PLURAL} after a {WARMUP_S} s warm-up per server and query"
    )


def run_dataset(dataset):
    work = DATA / "compare" / dataset
    work.mkdir(parents=True, exist_ok=True)
    if dataset != "seed":
        if not dataset.isdigit():
            fail(f"a dataset is `seed` or a number of nodes, not {dataset!r}")
        if not (DATA / dataset / "sources.jsonl").exists():
            log(f"generating bench/data/{dataset}")
            subprocess.run([BIN, "generate", "--nodes", dataset, "--out", str(DATA / dataset)], check=True, stdout=sys.stderr)
    log(f"== {dataset}: starting newsgraph")
    ng, ready_s = start_newsgraph(dataset, work)
    stats = gql(ng, "{ stats { nodeCount relationCount } }")["stats"]
    args, notes = pick_arguments(ng, dataset)
    for note in notes:
        log(f"  {note}")
    queries = render_queries(args, work)
    expected = {}
    for stem, _, text, body in queries:
        status, raw = post(ng.url, body.read_bytes())
        answer = json.loads(raw)
        if status != 200 or answer.get("errors"):
            fail(f"newsgraph answered {stem} with {status}: {raw[:2000]!r}")
        expected[stem] = raw
    answers_file = work / "floor-answers.json"
    answers_file.write_text(json.dumps({body.read_text(): expected[stem].decode() for stem, _, _, body in queries}))
    data_file = work / "export.json"
    subprocess.run(
        [NODE, str(COMPARE / "export.mjs"), "--url", ng.url, "--out", str(data_file), *(str(work / f"{q[0]}.graphql") for q in queries)],
        check=True,
    )
    servers = {"newsgraph": ng, **start_others(work, answers_file, data_file)}
    log(f"== {dataset}: checking that every server gives the same answers")
    check(servers, queries, expected)
    if CHECK_ONLY:
        for server in servers.values():
            server.stop()
        return None
    for server in servers.values():
        server.wait_idle()
    log(f"== {dataset}: warming up ({WARMUP} per server and query)")
    # The requests in flight when a run ends (up to CONNECTIONS) are charged to it but not
    # counted, so a run of few requests overstates the CPU per request by up to CONNECTIONS /
    # requests. Where the warm-up's rate says DURATION gives fewer than MIN_REQUESTS, that
    # server's runs of that query are longer (up to MAX_DURATION), in every round alike.
    duration = {}
    for stem, _, _, body in queries:
        for name in SERVERS:
            rps = wrk(servers[name], body, WARMUP_S)["rps"]
            duration[(stem, name)] = min(MAX_DURATION_S, max(DURATION_S, math.ceil(MIN_REQUESTS / max(rps, 1e-9))))
    results = {(q[0], s): [] for q in queries for s in SERVERS}
    raw_file = work / "results.jsonl"
    with open(raw_file, "w") as raw:
        for rnd in range(1, ROUNDS + 1):
            log(f"== {dataset}: round {rnd} of {ROUNDS}")
            # Each round starts the servers' turns one further on, so that none always runs
            # right after the same other one.
            order = SERVERS[rnd - 1 :] + SERVERS[: rnd - 1]
            for stem, _, _, body in queries:
                for name in order:
                    r = wrk(servers[name], body, duration[(stem, name)])
                    results[(stem, name)].append(r)
                    raw.write(json.dumps({"dataset": dataset, "round": rnd, "query": stem, "server": name, **r}) + "\n")
                    log(f"  {stem:28} {name:10} {r['cpu_us']:9.1f} µs/req {r['rps']:9.0f}/s p99 {r['p99_ms']:7.2f} ms")
    # The servers' logs would show a failure in the middle of a run.
    for server in servers.values():
        if not server.alive():
            fail(f"{server.name} died during the run: {server.log}")
        server.stop()
    title = "the default data" if dataset == "seed" else f"`newsgraph generate --nodes {dataset}`"
    header = [
        f"### {dataset}: {title}, {stats['nodeCount']:,} nodes, {stats['relationCount']:,} relations",
        "",
        f"newsgraph ready in {ready_s:.1f} s (pinned to one core). Arguments: " + "; ".join(notes) + ".",
    ]
    table = tables(dataset, queries, expected, results, header)
    (work / "results.md").write_text(table + "\n")
    log(f"raw measurements: {raw_file}")
    return table


def snapshot_binary():
    """Copies the binary under test, so that one run measures one build even if it is rebuilt
    meanwhile (the datasets start it minutes apart); returns how to tell which build it was."""
    global BIN
    import hashlib
    import shutil

    source = Path(BIN)
    copy = DATA / "compare" / "newsgraph-under-test"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, copy)
    BIN = str(copy)
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()[:12]
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(copy.stat().st_mtime))
    return f"`{source}` (built {built}, sha256 {digest}…)"


def main():
    started = time.time()
    global BUILT
    BUILT = snapshot_binary()
    log(f"newsgraph: {BUILT}")
    log(f"machine: {machine()}")
    log(f"load average at the start: {os.getloadavg()[0]:.2f}")
    out = []
    for dataset in DATASETS:
        table = run_dataset(dataset)
        if table:
            print(table + "\n", flush=True)
            out.append(table)
    if CHECK_ONLY:
        log(f"check passed on {', '.join(DATASETS)}: every server returns the same data for every query")
        return
    print(
        f"Machine: {machine()}. newsgraph: {BUILT}. Load average at the end: "
        f"{os.getloadavg()[0]:.2f}; {time.time() - started:.0f} s in all."
    )


if __name__ == "__main__":
    main()
