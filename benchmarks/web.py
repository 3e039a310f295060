"""Latency of the web app under 50 concurrent clients, on SQLite and on PostgreSQL.

A real server (``oncotrack serve --demo``, uvicorn, one process) runs in a subprocess on a free
loopback port; 50 asyncio clients (httpx), each signed in with its own session, request one URL
as fast as they can until the total is reached. Reported: p50, p90, p99 and max latency and the
throughput, for ``GET /api/v1/patients/{id}/assessment`` (the assess() JSON, 130 kB) and the
patient page ``GET /patients/{id}``, after a warm-up.

Run: ``.venv/bin/python benchmarks/web.py [--db sqlite,postgresql] [--clients 50]
[--requests 2000] [--profile]``. ``--profile`` also writes a pyinstrument profile of the API
request handled in-process (out/profile-web-<db>.html) and prints where the time goes.
PostgreSQL: ``ONCOTRACK_BENCH_PG_URL`` (default the local ``test`` database), in a schema of its
own that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-" + secrets.token_hex(8)
PG_URL = os.environ.get("ONCOTRACK_BENCH_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="oncotrack-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    from sqlalchemy import create_engine, text

    schema = f"oncotrack_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def _server(url: str, workers: int) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {**os.environ, "ONCOTRACK_DATABASE_URL": url, "ONCOTRACK_DEMO_PASSWORD": PASSWORD}
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the server stops)
    process = subprocess.Popen(
        [sys.executable, "-m", "oncotrack.cli", "serve", "--demo", "--port", str(port),
         "--workers", str(workers)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"the server stopped: {log.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/api/v1/auth/csrf", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 120 s")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.seek(0)
        tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
        if any("Traceback" in line or "Error" in line for line in tail):
            print("server log (end):", *tail, sep="\n  ")
        log.close()


async def _signed_in(base: str, limits: httpx.Limits) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, limits=limits, timeout=60)
    token = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
    response = await client.post("/api/v1/auth/login", headers={"X-CSRF-Token": token},
                                 json={"username": "viewer", "password": PASSWORD})
    response.raise_for_status()
    return client


async def _load(clients: list[httpx.AsyncClient], path: str, total: int) -> tuple[list[float],
                                                                                  float]:
    latencies: list[float] = []
    remaining = total

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            began = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise SystemExit(f"GET {path}: {response.status_code} {response.text[:200]}")

    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    return latencies, time.perf_counter() - began


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) of process ``root`` and its descendants, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        family.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in family)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _bench(base: str, server_pid: int, n_clients: int,
                 total: int) -> list[tuple[str, str]]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [await _signed_in(base, limits) for _ in range(n_clients)]
    patients = (await clients[0].get("/api/v1/patients")).json()
    patient_id = patients[0]["id"]
    targets = [("API", f"/api/v1/patients/{patient_id}/assessment"),
               ("page", f"/patients/{patient_id}")]
    lines = []
    for name, path in targets:
        probe = await clients[0].get(path)
        if probe.status_code != 200:
            lines.append((name, f"{path}: {probe.status_code}, not measured"))
            continue
        await _load(clients, path, max(100, total // 10))  # warm-up (first assess, caches)
        server_cpu, client_cpu = _cpu_seconds(server_pid), time.process_time()
        latencies, elapsed = await _load(clients, path, total)
        server_cpu = _cpu_seconds(server_pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        ms = [1000 * v for v in latencies]
        lines.append((name, f"{path}: n={len(ms)}, p50 {statistics.median(ms):.1f} ms, "
                      f"p90 {_quantile(ms, 0.9):.1f} ms, p99 {_quantile(ms, 0.99):.1f} ms, "
                      f"max {max(ms):.1f} ms, {len(ms) / elapsed:.0f} req/s, "
                      f"{len(probe.content) / 1000:.0f} kB; CPU per request: server "
                      f"{1000 * server_cpu / len(ms):.1f} ms, clients "
                      f"{1000 * client_cpu / len(ms):.1f} ms"))
    for client in clients:
        await client.aclose()
    return lines


def _profile(url: str, kind: str, requests: int = 400) -> None:
    """Where the CPU time of the API request goes, handled in-process on one thread.

    FastAPI runs sync dependencies and routes in a thread pool, which a sampling profiler of
    one thread does not see; for the profile they run inline on the event loop's thread (the
    work is the same, the hand-offs between threads are left out).
    """
    import fastapi.dependencies.utils
    import fastapi.routing
    from pyinstrument import Profiler

    import oncotrack.web.deps
    from oncotrack.web.app import create_app

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    for module in (fastapi.routing, fastapi.dependencies.utils, oncotrack.web.deps):
        module.run_in_threadpool = inline  # type: ignore[attr-defined]
    os.environ["ONCOTRACK_DEMO_PASSWORD"] = PASSWORD
    app = create_app(url, demo=True)

    async def run() -> Profiler:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            token = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
            (await client.post("/api/v1/auth/login", headers={"X-CSRF-Token": token},
                               json={"username": "viewer", "password": PASSWORD})
             ).raise_for_status()
            patient = (await client.get("/api/v1/patients")).json()[0]["id"]
            path = f"/api/v1/patients/{patient}/assessment"
            await client.get(path)
            profiler = Profiler(interval=0.001, async_mode="enabled")
            began = time.perf_counter()
            profiler.start()
            for _ in range(requests):
                (await client.get(path)).raise_for_status()
            profiler.stop()
            each = 1000 * (time.perf_counter() - began) / requests
            print(f"in-process, one thread, sequential: {each:.2f} ms per request "
                  "(with the profiler's overhead)")
            return profiler

    profiler = asyncio.run(run())
    out = ROOT / "out" / f"profile-web-{kind}.html"
    out.parent.mkdir(exist_ok=True)
    out.write_text(profiler.output_html(), encoding="utf-8")
    print(profiler.output_text(unicode=False, color=False, show_all=False)[:8000])
    print(f"profile: {out}")
    app.state.engine.dispose()


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load:.1f} at start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--clients", default="50",
                        help="Concurrent clients; a comma-separated list runs each in turn.")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="Server processes.")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(_machine())
    for kind in args.db.split(","):
        with _database(kind) as url, _server(url, args.workers) as (base, pid):
            for clients in (int(n) for n in args.clients.split(",")):
                lines = asyncio.run(_bench(base, pid, clients, args.requests))
                print(f"{kind}, {clients} client(s), {args.workers} server process(es):")
                for name, line in lines:
                    print(f"  {name:4s} {line}")
        if args.profile:
            with _database(kind) as url:
                _profile(url, kind)


if __name__ == "__main__":
    main()
