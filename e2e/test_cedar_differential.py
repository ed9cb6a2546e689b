"""The Cedar engine against the Rust engine (cedarpy 4.12.2, in the venv) on a fixed-seed run of the
differential tester: generated policies, entities, contexts and requests, Unicode in several
normalisation forms, value limits and bad input. `make fuzz` runs the same generator for longer with a
random seed. Needs only the venv and the built binary ($WICKET_BIN); a failure prints the case."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "FuzzTesting" / "differential"))

import cedar_diff  # noqa: E402

CASES = 3000


def test_wicket_agrees_with_the_rust_engine_on_generated_cases(capsys):
    wicket = os.environ.get("WICKET_BIN")
    assert wicket and os.access(wicket, os.X_OK), "set WICKET_BIN to the built wicket binary"
    total, disagreements = cedar_diff.run(wicket, seed=1, cases=CASES, show=3, out=sys.stderr)
    assert total == CASES
    assert not disagreements, "first disagreement: %r" % (disagreements[0],)
