"""The settings form on the left of the window."""
