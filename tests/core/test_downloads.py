"""Downloads against a local server that stalls, cuts off, or serves two clients at once."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from resnet_gui.data.downloads import fetch
from resnet_gui.errors import Cancelled, DataError

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[:100])
            self.wfile.flush()
            self.server.release.wait(30)  # type: ignore[attr-defined]
        elif self.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[:1000])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            for i in range(0, len(PAYLOAD), 65536):
                self.wfile.write(PAYLOAD[i : i + 65536])
                time.sleep(0.01)  # slow enough for two downloads to overlap


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("RESNET_GUI_OFFLINE", raising=False)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.release = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.release.set()  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "data.bin")


def test_stop_cancels_a_stalled_download_within_a_second(server: str, tmp_path: Path) -> None:
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        fetch(f"{server}/stall", tmp_path / "data.bin", None, "Data", stop=stop)
    assert time.monotonic() - t0 < 1.5
    assert leftovers(tmp_path) == [] and not (tmp_path / "data.bin").exists()


def test_a_download_cut_short_is_an_error_and_leaves_nothing(server: str, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"closed early|Could not download"):
        fetch(f"{server}/cut", tmp_path / "data.bin", None, "Data")
    assert leftovers(tmp_path) == [] and not (tmp_path / "data.bin").exists()


def test_two_downloads_of_one_file_at_once_do_not_break_each_other(server: str, tmp_path: Path) -> None:
    md5 = hashlib.md5(PAYLOAD).hexdigest()
    errors: list[BaseException] = []

    def get() -> None:
        try:
            fetch(f"{server}/file", tmp_path / "data.bin", md5, "Data")
        except BaseException as e:  # noqa: BLE001 - collected for the assertion below
            errors.append(e)

    threads = [threading.Thread(target=get) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and (tmp_path / "data.bin").read_bytes() == PAYLOAD and leftovers(tmp_path) == []
