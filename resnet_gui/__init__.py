"""resnet-gui: a desktop training dashboard for the residual networks of the d2l ResNet chapter."""

__version__ = "0.1.0"
