"""schemathesis (every check, `-c all`) against the live ingest service, run as a process the
way a third-party client meets it: with its bearer token, over real Kafka. Bounded in time.

Passing means: every status ingest answers is declared with its body model, schema-valid
submissions are accepted (202), schema-invalid ones are refused with a 4xx, no 5xx, the
declared content types are the ones sent (/metrics is text/plain), unsupported methods are
405s. The raw topic must then hold what was accepted, so the run cannot pass by refusing
everything.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path


from deploy.local import services as launcher
from shared.kafka import topic
from shared.settings import CommonSettings
from shared.topics import RAW
from tests.e2e.conftest import serving
from tests.integration.helpers import read_topic

ST = Path(sys.executable).parent / "st"
TOKEN = "schemathesis-token"


def test_schemathesis_all_checks_pass_against_live_ingest(isolated_env: dict[str, str], tmp_path: Path) -> None:
    env = launcher.isolated_env({**os.environ, **isolated_env, "NEWSFLOW_INGEST_TOKEN": TOKEN,
                                 "NEWSFLOW_INGEST_RATE_PER_SECOND": "0"})
    with serving("ingest", env, tmp_path / "ingest.log") as (base, proc):
        started = time.monotonic()
        run = subprocess.run(
            [str(ST), "run", f"{base}/openapi.json", "--checks", "all", "--max-examples", "60", "--seed", "14",
             "--header", f"Authorization: Bearer {TOKEN}", "--request-timeout", "20", "--no-color"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
        elapsed = time.monotonic() - started
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        generated = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
        assert generated and int(generated.group(1)) >= 100, run.stdout[-2000:]
        assert elapsed < 120, f"schemathesis took {elapsed:.0f}s"
        assert proc.poll() is None, "ingest died during the run"
        accepted = read_topic(CommonSettings(), topic(CommonSettings(), RAW).name, expect=10, timeout=30)
        assert len(accepted) >= 10, "schemathesis got almost nothing accepted: the contract and the server disagree"
