"""The window's tabs, one folder each."""
