"""Two sweep workers sharing one study in a real PostgreSQL server, as workers on several machines would.

The test starts its own throwaway server (Debian's ``postgresql`` package: initdb and pg_ctl) on a
Unix socket, as a non-root user when run as root (PostgreSQL refuses root), and skips saying why
where it cannot.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sweep_helpers import assert_each_point_once, json_lines, run, sweep_file

from resnet_gui.experiments.study import StudyError, join_sweep
from resnet_gui.experiments.study_lock import study_lock

pytestmark = pytest.mark.slow


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    debian = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))  # Debian keeps them off PATH
    return debian[-1] if debian else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg2", reason="the PostgreSQL driver is not installed: pip install 'resnet-gui[postgres]'")
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql; .ci/run does)")
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="rg-pg-"))  # short: a socket path is at most 107 bytes
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own system user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
            check=True,
            capture_output=True,
        )
        options = f"-k {root} -p {port} -c listen_addresses='' -c fsync=off"
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, OSError) as e:
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(e, "stderr", b"") or b""
        pytest.skip(f"PostgreSQL did not start here: {e} {detail.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql+psycopg2://postgres@/postgres?host={root}&port={port}"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_two_workers_share_one_study_in_postgresql(tmp_path: Path, postgres_url: str) -> None:
    db = str(tmp_path / "runs.sqlite")
    grid = str(sweep_file(tmp_path))
    args = ("--name", "pg", "--storage", postgres_url, "--workers", "2", "--runs-db", db, "--json")
    code, out, err = run("sweep", "--config", grid, *args)
    assert code == 0, err
    trials, best = json_lines(out)
    assert_each_point_once(trials)
    assert best["trial"] in {t["trial"] for t in trials}
    assert len(join_sweep("pg", postgres_url).study.get_trials()) == 4  # nothing skipped, nothing twice
    assert not (tmp_path / "experiments.sqlite").exists()  # the study is in the server, not beside the runs


def test_an_unreachable_server_is_said_in_one_line(tmp_path: Path) -> None:
    pytest.importorskip("psycopg2")
    url = f"postgresql+psycopg2://postgres@/postgres?host={tmp_path}&port={_free_port()}"
    code, _, err = run("sweep", "--join", "x", "--storage", url, "--runs-db", str(tmp_path / "r.sqlite"))
    assert code == 1 and err.startswith("resnet-gui: error: Cannot open the experiment storage ")
    assert len(err.strip().splitlines()) == 1


def test_workers_take_trials_from_a_server_study_one_at_a_time(postgres_url: str) -> None:
    # Without the lock two workers could both see the last grid point waiting and one take a fifth trial.
    order: list[str] = []
    inside = threading.Event()

    def second_worker() -> None:
        inside.wait(5)
        with study_lock(postgres_url, "pg"):
            order.append("second in")

    other = threading.Thread(target=second_worker)
    other.start()
    with study_lock(postgres_url, "pg"):
        inside.set()
        time.sleep(0.5)  # the second worker is waiting on the server's lock meanwhile
        order.append("first out")
    other.join(10)
    assert order == ["first out", "second in"]
    with study_lock(postgres_url, "another study"), study_lock(postgres_url, "pg"):
        pass  # studies do not lock each other out


def test_a_worker_that_loses_the_server_says_so_in_one_line(tmp_path: Path) -> None:
    pytest.importorskip("psycopg2")
    url = f"postgresql+psycopg2://postgres@/postgres?host={tmp_path}&port={_free_port()}"
    with pytest.raises(StudyError) as lost, study_lock(url, "pg"):
        pass
    assert str(lost.value).startswith(f"Lost the experiment storage {url}: ") and "\n" not in str(lost.value)
