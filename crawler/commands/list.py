"""`scrapy list`: Scrapy's command, with a bad site profile reported as one line and exit status 2."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.list import Command as ScrapyListCommand

from crawler.commands import EXIT_USAGE
from crawler.profiles import ProfileError

if TYPE_CHECKING:
    import argparse


class Command(ScrapyListCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().run(args, opts)
        except ProfileError as exc:
            sys.stderr.write(f"ERROR: bad site profile: {exc}\n")
            self.exitcode = EXIT_USAGE
