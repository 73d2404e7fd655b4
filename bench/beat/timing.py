"""Shared timing loop of the PyTorch peers: warm up, then run for at least `min_s` seconds."""
import time


def timeit(fn, x, min_s=3.0, warmup=20):
    """Mean seconds per call of fn(x), and the number of timed calls."""
    for _ in range(warmup):
        fn(x)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_s:
        fn(x)
        n += 1
    return (time.perf_counter() - t0) / n, n
