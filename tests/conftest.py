import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the network: a missing data set fails at once instead of downloading.
os.environ["RESNET_GUI_OFFLINE"] = "1"
# Runs recorded by tests go to a throwaway database, never the user's.
_runs_dir = __import__("tempfile").mkdtemp(prefix="resnet-gui-test-runs-")
os.environ["RESNET_GUI_RUNS"] = os.path.join(_runs_dir, "runs.sqlite")
# The window remembers its form in QSettings: tests keep theirs away from the user's.
os.environ["RESNET_GUI_SETTINGS"] = os.path.join(_runs_dir, "settings.ini")
# Duration estimates are cached away from the user's, and the window times none unless a test asks
# (timing a network takes seconds of CPU that the other tests' runs need).
os.environ["RESNET_GUI_ESTIMATES"] = os.path.join(_runs_dir, "estimates.json")
os.environ["RESNET_GUI_TIME_ESTIMATES"] = "0"
