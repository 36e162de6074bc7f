"""``python -m resnet_gui``: the same as the ``resnet-gui`` command."""

import sys

from .cli.main import main

sys.exit(main())
