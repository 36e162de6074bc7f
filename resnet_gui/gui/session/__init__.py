"""The window's model: the state of runs (in the window or followed), announced as signals."""
