"""The CLI side of ingest: the token from var/ingest.token, one-line texts, and the issue 10
complaint `echo "Putin met Scholz in Berlin on Monday." | newsflow enrich`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsflow_cli.main import _text_payload, ingest_token

ROOT = Path(__file__).resolve().parents[2]


def test_token_from_env_then_named_file_then_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSFLOW_INGEST_TOKEN", raising=False)
    monkeypatch.delenv("NEWSFLOW_INGEST_TOKEN_FILE", raising=False)
    monkeypatch.setattr("newsflow_cli.main.REPO", tmp_path / "no-checkout")
    assert ingest_token(tmp_path) is None
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "ingest.token").write_text("made-by-make\n")
    assert ingest_token(tmp_path) == "made-by-make"
    named = tmp_path / "other.token"
    named.write_text("named")
    monkeypatch.setenv("NEWSFLOW_INGEST_TOKEN_FILE", str(named))
    assert ingest_token(tmp_path) == "named"
    monkeypatch.setenv("NEWSFLOW_INGEST_TOKEN", "from-env")
    assert ingest_token(tmp_path) == "from-env"


def test_a_one_line_text_file_is_posted_as_body() -> None:
    assert _text_payload("Putin met Scholz in Berlin on Monday.\n", None) == {
        "body": "Putin met Scholz in Berlin on Monday.", "source": None}
    assert _text_payload("Headline\nBody.", "s")["title"] == "Headline"


def test_enrich_a_one_line_text_from_stdin() -> None:
    done = subprocess.run([sys.executable, "-m", "newsflow_cli.main", "enrich"], cwd=ROOT, capture_output=True,
                          input="Putin met Scholz in Berlin on Monday.\n", text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    event = json.loads(done.stdout)
    assert event["article"]["title"] == "Putin met Scholz in Berlin on Monday."
    assert event["article"]["body"] == "Putin met Scholz in Berlin on Monday."
    assert "Vladimir Putin" in {a["name"] for a in event["actors"]}
    assert any("Scholz" in a["name"] for a in event["actors"])
    assert "Berlin" in {p["name"] for p in event["places"]}
