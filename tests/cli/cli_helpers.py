"""Run ``resnet-gui`` in-process as a user would from a shell: exit code, stdout and stderr."""

from __future__ import annotations

import contextlib
import io

from resnet_gui.cli.main import main


def run(*args: str) -> tuple[int, str, str]:
    """``resnet-gui ARGS``: (exit code, what it printed, what it said on stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            code = main(list(args), out=out, err=err)
    except SystemExit as e:
        code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()
