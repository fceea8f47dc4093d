"""`make demo`: crawl the bundled Phnom Penh Post replica offline into output/ and show what was written.

Starts the replica server on 127.0.0.1, runs the real command

    python -m scrapy crawl phnompenhpost -a base_url=http://127.0.0.1:PORT -s OUTPUT_DIR=output \
        -s MIRRORS='{"https://pppenglish.sgp1.digitaloceanspaces.com": "http://127.0.0.1:PORT/cdn/pppenglish", ...}'

with its log on this terminal (the replica serves the pictures of the CDN's host too, through MIRRORS),
then prints where the posts and their archived pictures are, how many there are, one example post and
the feed of the run. Run it again: the second crawl is incremental and writes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.replay_server import ReplayServer  # noqa: E402

REPLICA = ROOT / "tests" / "fixtures" / "sites" / "phnompenhpost"
OUTPUT = "output"
EXAMPLE = "asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"


def main() -> int:
    output = ROOT / OUTPUT
    with ReplayServer(REPLICA) as server:
        command = [sys.executable, "-m", "scrapy", "crawl", "phnompenhpost",
                   "-a", f"base_url={server.base_url}", "-s", f"OUTPUT_DIR={OUTPUT}", "-s", f"MIRRORS={server.mirrors}"]
        print(f"Replica of the Phnom Penh Post served at {server.base_url}", flush=True)
        print("$ " + " ".join(command[1:]), flush=True)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        status = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode

    posts = sorted((output / "_posts").glob("*.md"))
    print()
    print(f"Crawl exit status: {status}")
    print(f"Posts: {len(posts)} in {output / '_posts'}")
    pictures = [p for p in (output / "assets" / "img").rglob("*") if p.is_file() and not p.name.startswith(".")]
    print(f"Archived pictures: {len(pictures)} in {output / 'assets' / 'img'}")
    example = next((p for p in posts if EXAMPLE in p.name), posts[0] if posts else None)
    if example is not None:
        text = example.read_text(encoding="utf-8")
        lines = text.splitlines()
        print(f"Example post: {example}")
        print("-" * 72)
        print("\n".join(lines[:24]))
        if len(lines) > 24:
            print(f"[... {len(lines) - 24} more lines]")
        print("-" * 72)
    feeds = sorted((output / "_feeds").glob("phnompenhpost-*.jsonl"), key=lambda p: p.stat().st_mtime)
    if feeds:
        entries = feeds[-1].read_text(encoding="utf-8").splitlines()
        print(f"Feed of the latest run that wrote posts: {feeds[-1]} ({len(entries)} entries)")
    else:
        print("No feed yet: a run writes a feed only when it writes posts.")
    runs = sorted((output / ".crawler" / "runs").glob("phnompenhpost-*.json"), key=lambda p: p.stat().st_mtime)
    if runs:
        print(f"Stats of this run: {runs[-1]}")
    print("Run `make demo` again: the second crawl finds nothing new and writes nothing.")
    return status


if __name__ == "__main__":
    sys.exit(main())
