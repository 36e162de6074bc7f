"""``python -m resnet_gui``: the same as the ``resnet-gui`` command."""

import sys

from .cli import main

sys.exit(main())
