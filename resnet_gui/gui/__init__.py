"""The Qt layer of resnet-gui: windows, views and the workers that run the core off the GUI thread."""

from .qt_compat import pin_singletons

pin_singletons()
