import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the network: a missing data set fails at once instead of downloading.
os.environ["RESNET_GUI_OFFLINE"] = "1"
