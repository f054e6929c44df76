"""Memory a long process no longer uses, given back to the operating system.

The CLI runs several runs in one process (the days of a large inbox in consecutive runs,
then every car). Python frees a run's frames, but glibc's allocator keeps the freed pages
of its heaps, so the process grows run after run; ``malloc_trim`` returns them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_memory() -> bool:
    """Collect garbage and return freed heap pages to the OS; False where the C library
    has no ``malloc_trim`` (not glibc)."""
    gc.collect()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def resident_bytes() -> int:
    """This process's resident memory in bytes (0 where /proc is not available)."""
    import os

    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
