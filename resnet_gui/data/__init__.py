"""Data sets as device-ready uint8 tensors: the bundled sample, the standard sets, image folders, batching."""
