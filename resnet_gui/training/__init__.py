"""The training engine and what it needs: devices, schedules, checkpoints, distributed runs, events."""
