"""``brickprop predict MODEL.npz DATA.csv [--out predictions.csv] [--proba]``.

The command's parser and body; the work is done by ``brickprop.runs.predict``.  Bad input
raises ``ValueError`` or ``FileNotFoundError``, which ``cli.main`` prints as one line
with exit code 2.
"""

from __future__ import annotations

import sys

from .base import subcommand


def add_parser(sub):
    """Add ``brickprop.runs.predict`` to the subparsers ``sub`` of the ``brickprop`` parser."""
    p = subcommand(sub, cmd_predict)
    p.add_argument("model", help="a model.npz from a run folder")
    p.add_argument("data", help="CSV file with the model's feature columns: named by a header "
                   "row (any order), or in training order without one; the target column "
                   "may be present")
    p.add_argument("--out", help="write the predictions to this CSV file instead of printing")
    p.add_argument("--proba", action="store_true", help="add class probabilities (models "
                   "trained with cross-entropy or binary-cross-entropy)")


def cmd_predict(args) -> int:
    """predict each row of a CSV file with a saved model

    Predict the target of each row of DATA.csv with a model.npz written by 'brickprop train'.
    The features are standardized with the statistics saved in the model. Prints CSV (a
    'prediction' column; with --proba one 'p_<class>' column per class) or writes it to --out.
    When the file also holds the target column, the accuracy (or R^2) is reported on stderr.
    """
    from ..runs.predict import predict_file

    text, notes = predict_file(args.model, args.data, args.out, args.proba)
    if args.out is None:
        sys.stdout.write(text)
    print("\n".join(f"brickprop predict: {n}" for n in notes), file=sys.stderr)
    return 0
