"""``python -m models_ifc --size small|large|campus --out PATH``: write a demo hospital (or the
demo campus: a directory of three models, footpaths and campus.json) and its truth."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from models_ifc.campus import write_campus
from models_ifc.hospital import LARGE, SMALL, write_hospital

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the model, return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m models_ifc", description=__doc__)
    parser.add_argument("--size", choices=("small", "large", "campus"), default="small")
    parser.add_argument(
        "--out", type=Path, default=None, help="IFC path to write (campus: the directory)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.size == "campus":
        write_campus(args.out or Path("models_ifc/out/campus"))
        return 0
    out = args.out or Path("models_ifc/out") / f"hospital_{args.size}.ifc"
    write_hospital(SMALL if args.size == "small" else LARGE, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
