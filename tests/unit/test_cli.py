"""The `newsflow` stage commands run the very functions the services run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-article.txt"


def newsflow(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsflow_cli.main", *args], input=stdin, text=True,
                          capture_output=True, timeout=120)


def test_clean_text_article_removes_boilerplate() -> None:
    out = newsflow("clean", stdin=SEED.read_text(encoding="utf-8"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Trump not betraying Ukraine")
    for marker in ("3 hours ago", "ARTICLE AD", "READ MORE:", "Read Entire Article"):
        assert marker not in out.stdout
    assert "Hegseth dismissed those claims" in out.stdout


def test_clean_jsonl_reports_errors_per_line() -> None:
    lines = [json.dumps({"id": "a", "html": "<html><body><h1>Title</h1><p>" + "Real words here. " * 30 + "</p></body></html>"}),
             "not json", json.dumps({"id": "b", "text": "Title\n\nRead more"})]
    out = newsflow("clean", "--jsonl", stdin="\n".join(lines) + "\n")
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert results[0]["id"] == "a" and "Real words here." in results[0]["body"]
    assert results[1]["line"] == 2 and "error" in results[1]
    assert results[2]["id"] == "b" and "empty" in results[2]["error"]


def test_enrich_seed_gives_canonical_entities() -> None:
    out = newsflow("enrich", stdin=SEED.read_text(encoding="utf-8"))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    actors = [a["name"] for a in data["actors"]]
    assert actors.count("Volodymyr Zelensky") == 1
    assert {"Donald Trump", "Vladimir Putin", "Pete Hegseth", "NATO", "the Kremlin", "the Pentagon"} <= set(actors)
    places = {p["name"]: p for p in data["places"]}
    assert {"Ukraine", "Russia", "Kyiv", "Moscow", "Brussels", "Saudi Arabia"} <= set(places)
    assert places["Kyiv"]["lat"] and places["Kyiv"]["country_code"] == "UA"
    assert data["topics"][0]["score"] >= data["topics"][-1]["score"]
    for actor in data["actors"]:
        for m in actor["mentions"]:
            assert m["end"] > m["start"]
