"""The project's spiders: `article` (given URLs) and one SiteSpider per site profile (see crawler.spiderloader)."""
