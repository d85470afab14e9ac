"""The whole book from a clean cache, then a cached rebuild: wall times as one JSON line.

    python benchmarks/bench_book.py [--profile quick]      (CI: --profile smoke)
"""
import argparse
import json
import os
import tempfile
import time

from hlcore.pipeline import build_book


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="quick")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HL_CACHE"] = os.path.join(tmp, "cache")
        quiet = lambda *args, **kw: None  # noqa: E731
        t0 = time.perf_counter()
        build_book(a.profile, path_output=tmp, log=quiet)
        clean = time.perf_counter() - t0
        t0 = time.perf_counter()
        build_book(a.profile, path_output=tmp, log=quiet)
        cached = time.perf_counter() - t0
    print(json.dumps({"benchmark": "book", "profile": a.profile,
                      "seconds_clean_cache": round(clean, 1),
                      "seconds_cached_rebuild": round(cached, 1)}))


if __name__ == "__main__":
    main()
