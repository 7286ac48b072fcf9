"""The benchmark's chunked stages: results come back in chunk order and the chunks are let go."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks.run import results_in_order


def _slow_for_early_chunks(chunk: list[int]) -> int:
    time.sleep(0.02 * (5 - chunk[0]))  # the first chunks finish last
    return sum(chunk)


def test_results_follow_chunk_order_whatever_finishes_first_and_the_chunks_are_handed_over():
    chunks = [[i, i * 10] for i in range(5)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = results_in_order(pool, _slow_for_early_chunks, chunks)
    assert results == [0, 11, 22, 33, 44]
    assert chunks == []  # the caller no longer holds them: each goes once its result is back
