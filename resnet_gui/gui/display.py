"""Whether a window can open here, said in one line before Qt tries (and aborts with a core dump)."""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping

# The libraries Qt's X11 (xcb) plugin loads that desktops often lack, and the Debian/Ubuntu
# package of each; Qt 6.5 and later need libxcb-cursor0, which most minimal systems do not have.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-randr": "libxcb-randr0",
    "xcb-shape": "libxcb-shape0",
}
NO_DISPLAY = (
    "resnet-gui: no display found (DISPLAY is not set), so the window cannot open. Use a desktop "
    "session or `ssh -X`, or train headless with `resnet-gui train ...` and follow the run from a window "
    "on a desktop through a shared runs database (--runs-db)."
)


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Why the window cannot open here, in one line ("" when it can, as far as can be told)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return ""  # macOS and Windows always have a display; a chosen platform is the user's call
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return NO_DISPLAY
    if env.get("WAYLAND_DISPLAY"):
        return ""
    missing = [package for lib, package in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    if missing:
        return (
            f"resnet-gui: Qt's X11 plugin needs libraries this system lacks; install them (Debian/Ubuntu: "
            f"sudo apt install {' '.join(missing)}), or train headless with `resnet-gui train ...`."
        )
    return ""
