"""One benchmark measurement in a fresh process: `python -m bench.worker CASE METHOD`."""

from __future__ import annotations

import json
import sys

from bench.matching import run_in_process


def main() -> None:
    case, method = sys.argv[1], sys.argv[2]
    print(json.dumps(run_in_process(case, method)))


if __name__ == "__main__":
    main()
