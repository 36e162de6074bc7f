"""A run history that cannot be used is one line on stderr, never a traceback."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from resnet_gui.cli.main import main


def test_a_damaged_or_misplaced_run_history_is_one_line(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"garbage" * 500)
    for db, words in ((tmp_path, "is a folder"), (damaged, "damaged")):
        for args in (("runs",), ("train", "--data", "sample", "--epochs", "1")):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main([*args, "--runs-db", str(db)], out=out, err=err)
            assert code == 1 and words in err.getvalue(), err.getvalue()
            assert len(err.getvalue().strip().splitlines()) == 1 and "Traceback" not in err.getvalue()
