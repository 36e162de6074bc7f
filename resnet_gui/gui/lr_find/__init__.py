"""The learning-rate finder's window: the range test's curve and the rate it suggests."""
