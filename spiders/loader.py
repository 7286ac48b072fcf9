"""Spider loader: one spider class per adapter, one named spider per registry source.

So `scrapy list` shows every source id and adapter, and `scrapy crawl SOURCE_ID` works.
"""

from __future__ import annotations

from importlib import import_module

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from spiders.registry import ADAPTERS, load_sources


def adapter_class(adapter: str) -> type:
    """The adapter's spider class (module `spiders.adapters.<adapter>`, attribute `Spider`)."""
    return import_module(f"spiders.adapters.{adapter}").Spider


def source_spider_class(source) -> type:
    """A subclass of the adapter bound to one registry entry and named after the source."""
    base = adapter_class(source.adapter)
    return type(f"{base.__name__}_{source.id}", (base,), {"name": source.id, "source": source})


class RegistrySpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings) -> None:  # noqa: D107
        self._spiders = {}
        self._found = {}
        for adapter in ADAPTERS:
            self._spiders[adapter] = adapter_class(adapter)
        for source in load_sources(settings.get("GROUPDIR_PROFILE") or None):
            self._spiders[source.id] = source_spider_class(source)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RegistrySpiderLoader:
        return cls(settings)
