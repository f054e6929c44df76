"""Giving freed memory back between the CLI's runs (its effect is measured by
``benchmarks/bench_scale.py``, not here)."""

import platform

from vintage_ai_assets.memory import release_memory


def test_release_memory_trims_the_heap_where_glibc_can():
    blocks = [bytearray(1 << 16) for _ in range(256)]  # 16 MiB in small blocks, then freed
    del blocks
    trimmed = release_memory()
    assert trimmed is (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")
    assert release_memory() is trimmed  # repeatable
