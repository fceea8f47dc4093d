"""Build the Jekyll site in OUTPUT_DIR with Debian's jekyll (what `make site` runs).

    python tests/site.py build [--output DIR] [--destination DIR]

OUTPUT_DIR defaults to the project's setting (`output/`, or $NEWS_OUTPUT_DIR). A folder without a
`_config.yml` first gets a copy of the committed skeleton in `output/` (config, layouts, index page,
stylesheet); existing files are never overwritten. When `jekyll` is missing it is installed with
apt-get if we are root, otherwise the exact command to run is printed. The exit status is jekyll's.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKELETON = ROOT / "output"

#: Generated or private entries of an output folder: never part of the skeleton we copy.
GENERATED = frozenset({"_posts", "_site", ".jekyll-cache", ".jekyll-metadata", ".crawler", "_feeds"})
#: The image archive's default store (FILES_STORE): pictures a crawl downloaded, not part of the skeleton.
GENERATED_PICTURES = ("assets", "img")
GENERATED_SUFFIXES = (".sqlite", ".sqlite-journal", ".sqlite-wal", ".sqlite-shm")

APT_INSTALL = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "jekyll"]
APT_UPDATE = ["apt-get", "update", "-qq"]

#: A line of a Ruby backtrace: "\tfrom /usr/lib/ruby/...rb:455:in `parse'" or "/usr/lib/...rb:455:in `parse': ...".
RUBY_FRAME = re.compile(r"^(\s+from \S+:\d+:in |/\S+\.rb:\d+:in )")
#: Jekyll's warning for a post whose category is "": the `:slugified_categories` permalink slugifies it.
EMPTY_CATEGORY_SLUG = re.compile(r"Warning: Empty `slug` generated for ''\.")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

EXIT_USAGE = 2
EXIT_NO_JEKYLL = 3


class SiteError(Exception):
    """A problem the user can fix; its message says how, `status` is the exit status to end with."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


def default_output_dir() -> Path:
    """The project's OUTPUT_DIR setting, resolved against the project root like `scrapy` does."""
    sys.path.insert(0, str(ROOT))
    try:
        from crawler import settings
    finally:
        sys.path.remove(str(ROOT))
    path = Path(settings.OUTPUT_DIR).expanduser()
    return path if path.is_absolute() else ROOT / path


def skeleton_files(skeleton: Path = SKELETON) -> list[Path]:
    """The committed skeleton's files, relative to `skeleton` (generated folders left out)."""
    out = []
    for path in sorted(skeleton.rglob("*")):
        rel = path.relative_to(skeleton)
        if rel.parts[0] in GENERATED or rel.parts[:2] == GENERATED_PICTURES or path.name.endswith(GENERATED_SUFFIXES) \
                or not path.is_file():
            continue
        out.append(rel)
    return out


def copy_skeleton(dest: Path, skeleton: Path = SKELETON) -> list[Path]:
    """Copy the skeleton into `dest`, keeping files that already exist there; return what was copied."""
    copied = []
    for rel in skeleton_files(skeleton):
        target = dest / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(skeleton / rel, target)
        copied.append(rel)
    return copied


def find_jekyll() -> str | None:
    """The jekyll executable on PATH, or None."""
    return shutil.which("jekyll")


def install_hint() -> str:
    """The command a user runs to install jekyll on this machine."""
    if shutil.which("apt-get"):
        sudo = "" if os.geteuid() == 0 else "sudo "
        return f"{sudo}{' '.join(APT_UPDATE)} && {sudo}{' '.join(APT_INSTALL)}"
    return "install Jekyll 4 (https://jekyllrb.com/docs/installation/) so that `jekyll` is on PATH"


def ensure_jekyll() -> str:
    """Return the jekyll executable, installing Debian's package first when we are root."""
    found = find_jekyll()
    if found:
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        raise SiteError(f"jekyll is not installed. Install it with:\n    {install_hint()}", EXIT_NO_JEKYLL)
    print("site: jekyll is missing; installing Debian's package with apt-get", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (APT_UPDATE, APT_INSTALL):
        result = subprocess.run(command, env=env, check=False)
        if result.returncode != 0:
            raise SiteError(f"`{' '.join(command)}` failed with exit status {result.returncode}", EXIT_NO_JEKYLL)
    found = find_jekyll()
    if not found:
        raise SiteError("apt-get installed jekyll but `jekyll` is still not on PATH", EXIT_NO_JEKYLL)
    return found


def jekyll_env() -> dict[str, str]:
    """The environment for jekyll: a UTF-8 locale so Ruby reads non-ASCII posts correctly."""
    env = dict(os.environ)
    locale = env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or ""
    if "utf-8" not in locale.lower() and "utf8" not in locale.lower():
        env["LC_ALL"] = "C.UTF-8"
    return env


def jekyll_build_command(jekyll: str, source: Path, destination: Path) -> list[str]:
    """The exact `jekyll build` command line for a source folder."""
    return [jekyll, "build", "--source", str(source), "--destination", str(destination)]


@dataclass
class JekyllRun:
    """What `jekyll build` ended with, and what of its output was held back."""

    status: int
    backtrace_lines: int = 0
    uncategorised: int = 0


def run_jekyll(command: list[str]) -> JekyllRun:
    """Run jekyll with its output passed through, minus Ruby backtrace lines and the warning it prints for
    each post with an empty category (`Empty `slug` generated for ''`), which are counted instead."""
    run = JekyllRun(status=0)
    with subprocess.Popen(
        command, env=jekyll_env(), stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace"
    ) as proc:
        for line in proc.stderr or ():
            if RUBY_FRAME.match(line):
                run.backtrace_lines += 1
            elif EMPTY_CATEGORY_SLUG.search(ANSI_ESCAPE.sub("", line)):
                run.uncategorised += 1
            else:
                sys.stderr.write(line)
    run.status = proc.returncode
    return run


def build(output: Path, destination: Path | None = None) -> int:
    """Build `output` into `destination` (default OUTPUT/_site); return jekyll's exit status."""
    if not output.is_dir():
        raise SiteError(f"output folder {output} does not exist; run a crawl first (for example `make demo`)")
    if not (output / "_config.yml").is_file():
        copied = copy_skeleton(output)
        print(f"site: {output} had no _config.yml; copied the site skeleton ({len(copied)} files)", file=sys.stderr)
    posts = output / "_posts"
    n_posts = sum(1 for _ in posts.glob("*.md")) if posts.is_dir() else 0
    if n_posts == 0:
        print(f"site: {posts} holds no posts yet; building an empty site", file=sys.stderr)
    jekyll = ensure_jekyll()
    dest = destination or output / "_site"
    command = jekyll_build_command(jekyll, output, dest)
    print("site: " + " ".join(command), file=sys.stderr)
    started = time.monotonic()
    run = run_jekyll(command)
    elapsed = time.monotonic() - started
    if run.uncategorised:
        print(f"site: {run.uncategorised} post(s) have no category; they are listed under Other and their "
              "pages sit at /YYYY/MM/DD/<slug>/, without a category folder", file=sys.stderr)
    if run.status != 0:
        if run.backtrace_lines:
            print(
                f"site: ({run.backtrace_lines} lines of Ruby backtrace hidden; "
                "add --trace to the command above to see them)",
                file=sys.stderr,
            )
        print(f"site: jekyll build failed with exit status {run.status}", file=sys.stderr)
        return run.status
    print(f"site: built {n_posts} posts into {dest} in {elapsed:.1f}s; open {dest / 'index.html'}")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tests/site.py", description="Build the Jekyll site in OUTPUT_DIR.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build_parser = commands.add_parser("build", help="run `jekyll build` on OUTPUT_DIR")
    build_parser.add_argument(
        "--output", type=Path, default=None, help="the Jekyll source folder (default: OUTPUT_DIR, i.e. output/)"
    )
    build_parser.add_argument(
        "--destination", type=Path, default=None, help="where the built site goes (default: OUTPUT/_site)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        output = (args.output or default_output_dir()).resolve()
        destination = args.destination.resolve() if args.destination else None
        return build(output, destination)
    except SiteError as exc:
        print(f"site: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("site: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
