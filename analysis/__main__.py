"""`python -m analysis compare MULTIRUN_DIR`: compare the runs of a sweep.

Writes `comparison.csv` and `figures/` beside the sweep (or into --out). Bad
input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis", description="Re-analyse finished runs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser(
        "compare",
        help="compare the runs of a sweep: comparison.csv and figures",
    )
    compare.add_argument("sweep", type=Path, help="the multirun folder")
    compare.add_argument(
        "--by",
        default="condition",
        help="the column whose values are compared (default: condition)",
    )
    compare.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the sweep)"
    )
    compare.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap intervals"
    )
    compare.add_argument("--verbose", action="store_true", help="log more")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from analysis.compare import SweepError, compare_sweep
    from analysis.run_folders import RunFolderError

    try:
        report = compare_sweep(args.sweep, by=args.by, out=args.out, seed=args.seed)
    except (FileNotFoundError, RunFolderError, SweepError) as err:
        print(f"analysis: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    experiments = ", ".join(sorted(set(report.table["experiment"])))
    print(f"analysis: compared {experiments} by {args.by} -> {report.table_path}")
    for figure in report.figures:
        print(f"analysis: figure {figure}")
    for reason in report.skipped:
        print(f"analysis: left out {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
