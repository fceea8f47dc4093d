"""`make bench` (second part): one machine against a leader and two workers sharing a Redis frontier.

    python -m tests.bench.frontier [--size 200] [--latency 0.3] [--per-process 2]

The crawl benchmark's generated site (tests/bench/crawl.py), with article pages that answer after
`--latency` seconds, like a distant server, and a politeness limit of `--per-process` requests at once
per process. Both runs happen here, one after the other, against the same site:

* one machine: `scrapy crawl benchsite`, as from cron;
* shared: the same command with REDIS_URL (the leader) while two more processes help with
  FRONTIER_WORKER=1, each with its own OUTPUT_DIR, as on other machines.

Printed per run: wall time of the leader's process, articles written, articles per second, how many
of them the workers fetched, and the leader's peak RSS. Both runs must write every article once.
Needs redis-server (started here on a free port); without it the comparison is skipped with a note.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

from tests.bench.crawl import ROOT, Site, project_command, run_measured, run_stats, serve, workspace
from tests.redis_server import start_redis, stop_redis
from tests.replay_server import ReplayServer

WORKERS = 2


def slow_down(server: ReplayServer, site: Site, latency: float) -> None:
    """Article pages answer after `latency` seconds."""
    for path in site.paths():
        handler = server.custom[path]

        def slow(h: object, handler: object = handler) -> bool:
            time.sleep(latency)
            return handler(h)  # type: ignore[operator,no-any-return]

        server.custom[path] = slow


def row(label: str, seconds: float, new: int, by_workers: int, peak: float, status: int) -> str:
    rate = new / seconds if seconds else 0.0
    return f"{label:<34} {seconds:7.1f} {new:8d} {rate:7.1f} {by_workers:10d} {peak:8.1f} {status:4d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=200, help="articles on the generated site")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds each article page takes")
    parser.add_argument("--per-process", type=int, default=2, help="requests at once per process")
    args = parser.parse_args(argv)
    site, work = workspace(args.size, "bench-frontier")
    started = start_redis(work)
    print(f"\nShared frontier: {args.size} articles answering in {args.latency:.2f} s, "
          f"{args.per_process} requests at once per process, one machine vs a leader and {WORKERS} workers")
    if started is None:
        print("(skipped: redis-server is not installed; `apt-get install redis-server`)")
        shutil.rmtree(work, ignore_errors=True)
        return 0
    redis_process, url = started
    server = serve(site, work / "site")
    slow_down(server, site, args.latency)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    failed = False
    try:
        print(f"{'run':<34} {'wall s':>7} {'articles':>8} {'art/s':>7} {'by workers':>10} {'peak MB':>8} {'exit':>4}")
        out = work / "single"
        status, seconds, peak = run_measured(project_command(server, work, out, args.per_process), ROOT,
                                             work / "single.log")
        new = int(run_stats(out).get("articles/new", 0))
        print(row("one machine", seconds, new, 0, peak, status), flush=True)
        failed |= status != 0 or new != args.size

        shared = ("-s", f"REDIS_URL={url}", "-s", "FRONTIER_HEARTBEAT=1")
        workers = []
        for n in range(WORKERS):
            command = project_command(server, work, work / f"worker{n}", args.per_process,
                                      (*shared, "-s", "FRONTIER_WORKER=1"))
            with (work / f"worker{n}.log").open("wb") as log:
                workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        out = work / "leader"
        status, seconds, peak = run_measured(project_command(server, work, out, args.per_process, shared), ROOT,
                                             work / "leader.log")
        worker_status = [process.wait(timeout=600) for process in workers]
        stats = run_stats(out)
        new = int(stats.get("articles/new", 0))
        by_workers = int(stats.get("frontier/received/article", 0))
        print(row(f"leader + {WORKERS} workers", seconds, new, by_workers, peak, status), flush=True)
        failed |= status != 0 or new != args.size or any(worker_status)
    finally:
        server.stop()
        stop_redis(redis_process)
        shutil.rmtree(work, ignore_errors=True)
    print("(wall time includes start-up, and the leader ends at one of Scrapy's engine heartbeats, every 5 s; "
          "here every process, and the site, share this machine's cores)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
