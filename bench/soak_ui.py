"""The long UI soak (`make soak`) and the sessions the memory and screen-change benches measure.

The sessions are driven by tests/session_driver.py (`SessionDriver`), the same driver the test suite's short
soak uses; this script only runs it from the command line: `python bench/soak_ui.py --sessions 10000`.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from tests.session_driver import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
