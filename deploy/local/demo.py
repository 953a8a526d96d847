"""Wait until the sample is searchable, then show searches by actor, place and topic."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

SEARCH = os.environ.get("NEWSFLOW_SEARCH_URL", "http://127.0.0.1:8000")
TIMEOUT = float(os.environ.get("NEWSFLOW_DEMO_TIMEOUT", "300"))


def search(**params: str) -> dict:
    resp = httpx.get(f"{SEARCH}/search", params=params, timeout=10)
    return resp.json() if resp.status_code == 200 else {"total": 0, "hits": []}


def main() -> int:
    print(f"==> waiting for the seed article to be searchable at {SEARCH} (models load first) ...", flush=True)
    started = time.monotonic()
    while True:
        try:
            found = search(actor="Vladimir Putin")
        except httpx.HTTPError:
            found = {"total": 0}
        if found.get("total"):
            break
        if time.monotonic() - started > TIMEOUT:
            print(f"the seed article was not searchable after {TIMEOUT:.0f}s; see var/log/ and `make status`",
                  file=sys.stderr)
            return 1
        time.sleep(2)
    print(f"    searchable after {time.monotonic() - started:.0f}s")
    topic = found["hits"][0]["topics"][0] if found["hits"][0]["topics"] else "conflict, war and peace"
    cli = [os.path.join(os.path.dirname(sys.executable), "newsflow"), "search", "--url", SEARCH]
    for label, args in (("actor 'Vladimir Putin'", ["--actor", "Vladimir Putin"]),
                        ("place 'Ukraine'", ["--place", "Ukraine"]),
                        (f"topic '{topic}'", ["--topic", topic])):
        print(f"\n==> newsflow search {' '.join(repr(a) if ' ' in a else a for a in args)}   (by {label})")
        subprocess.run(cli + args, check=False)
    print(f"\nTry: curl '{SEARCH}/search?actor=Vladimir%20Putin'   or open {SEARCH}/ in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
