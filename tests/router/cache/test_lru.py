"""The bounded cache keeps within its entries and its bytes, least recently used out first."""

from __future__ import annotations

from router.cache import BoundedCache


def test_the_byte_bound_evicts_the_least_recently_used() -> None:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=100, max_bytes=1_000)
    for key in "abcd":
        assert cache.put(key, key, 250)
    assert cache.get("a") == "a"  # a is now the most recently used
    assert cache.put("e", "e", 250)  # 1,250 bytes: b goes
    assert cache.get("b") is None
    assert [cache.get(k) for k in "acde"] == ["a", "c", "d", "e"]
    assert cache.size_bytes == 1_000


def test_the_entry_bound_holds_too() -> None:
    cache: BoundedCache[int, int] = BoundedCache(max_entries=3, max_bytes=10**9)
    for key in range(10):
        cache.put(key, key, 1)
    assert len(cache) == 3
    assert cache.get(9) == 9
    assert cache.get(0) is None


def test_an_entry_over_a_quarter_of_the_bytes_is_not_kept() -> None:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=10, max_bytes=1_000)
    cache.put("small", "s", 100)
    assert not cache.put("huge", "h", 251)
    assert cache.get("huge") is None
    assert cache.get("small") == "s"  # and nothing was flushed for it


def test_replacing_a_key_counts_its_bytes_once() -> None:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=10, max_bytes=1_000)
    cache.put("k", "one", 200)
    cache.put("k", "two", 100)
    assert (cache.get("k"), cache.size_bytes, len(cache)) == ("two", 100, 1)
