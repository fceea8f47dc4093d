"""Project commands (COMMANDS_MODULE): `crawl` with a meaningful exit status, `list` with readable errors,
`checksites` to try every site profile without writing anything, `crawlall` to crawl every site in turn,
`addsite` to draft a new site's profile, `record` to save a crawl as a test replica.

Exit statuses of `scrapy crawl`: 0 healthy run; 1 the run failed, for one of the reasons
`crawler.extensions.summary.assess` gives (stopped at a failed write, Redis unreachable, did not finish,
an ERROR was logged, discovery found nothing, no wanted article page became a post, too many article
pages failed or held no article); 2 bad usage or configuration, refused before the crawl (unknown
spider, bad spider argument, bad setting, bad site profile); 3 another run holds the output folder's
lock, or another run leads the shared frontier (REDIS_URL) of the spider. Every run, refused ones
included, ends with one summary line on stderr.
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
