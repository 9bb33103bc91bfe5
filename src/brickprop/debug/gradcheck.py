"""Finite-difference gradient checks that name the faulty brick.

``gradcheck(net, X, Y, loss, regularizer)`` checks, each on its own:

* every brick of the network, locally: with a fixed random ``R`` the brick is
  probed with ``L = sum(R * brick(x))`` at the input it really sees inside the
  network, so a wrong backward fails *its own* row and no other;
* the loss (``dL/dpred``) and the regularizer (its gradient against its penalty);
* the whole chain end to end (every parameter and ``dL/dX``).

Numeric derivatives are central differences ``(f(v + eps) - f(v - eps)) / (2 eps)``;
the error of an element is ``|analytic - numeric| / max(|analytic|, |numeric|, atol)``.
Entries below ``atol`` are judged by their absolute error, ``tol * atol`` (1e-9 in
float64).  The defaults (float64: ``eps = 1e-5``, ``atol = 1e-3``) keep that above the
round-off noise of a difference quotient, about ``1e-16 * |f| / eps``; smaller ones flag
the small gradient entries of correct networks.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field

import numpy as np

from .._style import style
from ..bricks.core import Brick, Sequential


@dataclass
class Check:
    """One compared gradient: where it lives, its worst element and the verdict."""

    part: str          # "2 Linear(3, 2)", "loss MSE()", "network"
    quantity: str      # "dL/dx", "W", "b", "dL/dpred", "0.W" ...
    max_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    passed: bool


@dataclass
class GradCheckReport:
    """All checks of one call; ``report.passed`` is True when every check passed."""

    checks: list[Check] = field(default_factory=list)
    tol: float = 1e-6

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def faulty(self) -> list[str]:
        """Names of the parts whose own (local) check failed, in network order."""
        local = [c.part for c in self.checks if not c.passed and c.part != "network"]
        names = list(dict.fromkeys(local))
        if not names and not self.passed:
            names = ["network"]
        return names

    def __str__(self) -> str:
        w = max([24, *(len(c.part) for c in self.checks)])
        head = f"{'part':<{w}} {'gradient':<10} {'max rel err':>11}  {'worst':<10} " \
               f"{'analytic':>12} {'numeric':>12}  result"
        lines = [head, "-" * len(head)]
        for c in self.checks:
            lines.append(
                f"{c.part:<{w}} {c.quantity:<10} {c.max_rel_error:>11.2e}  "
                f"{str(c.worst_index):<10} {c.analytic:>12.5g} {c.numeric:>12.5g}  "
                f"{'PASS' if c.passed else 'FAIL'}")
        verdict = "all gradients match" if self.passed else \
            "faulty: " + ", ".join(self.faulty)
        lines.append(f"{verdict} (tolerance {self.tol:g})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return _report_html(self)


def _report_html(report: GradCheckReport) -> str:
    """The report as a notebook table: a row per check, failures in the live view's red."""
    esc = html.escape
    rows = "".join(
        f"<tr class='{'' if c.passed else 'bp-bad'}'><td>{esc(c.part)}</td>"
        f"<td>{esc(c.quantity)}</td><td>{c.max_rel_error:.2e}</td><td>{c.worst_index}</td>"
        f"<td>{c.analytic:.5g}</td><td>{c.numeric:.5g}</td>"
        f"<td>{'PASS' if c.passed else 'FAIL'}</td></tr>" for c in report.checks)
    verdict = "all gradients match" if report.passed else "faulty: " + ", ".join(report.faulty)
    return (f"<table class='brickprop-gradcheck bp-rich'><caption>Gradient check: "
            f"{esc(verdict)} (tolerance {report.tol:g})</caption><thead><tr><th>part</th>"
            "<th>gradient</th><th>max rel err</th><th>worst</th><th>analytic</th>"
            f"<th>numeric</th><th>result</th></tr></thead><tbody>{rows}</tbody></table>"
            + style())


def _compare(part, quantity, analytic, numeric, tol, atol):
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), atol)
    err = np.abs(analytic - numeric) / scale
    err = np.where(np.isnan(err), np.inf, err)
    worst = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else ()
    worst_err = float(err[worst]) if err.size else 0.0
    return Check(part, quantity, worst_err, tuple(int(i) for i in worst),
                 float(analytic[worst]) if err.size else 0.0,
                 float(numeric[worst]) if err.size else 0.0, worst_err < tol)


def _numeric(f, v, eps):
    """Central differences of the scalar ``f()`` with respect to every entry of ``v``."""
    grad = np.zeros(v.shape)
    for idx in np.ndindex(v.shape):
        old = v[idx]
        v[idx] = old + eps
        up = f()
        v[idx] = old - eps
        down = f()
        v[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def _check_brick(part, brick, x, rng, eps, tol, atol):
    """Probe one brick with ``L = sum(R * brick(x))`` (R fixed, random)."""
    x = np.array(x, dtype=x.dtype)
    R = rng.standard_normal(brick.forward(x).shape).astype(x.dtype)
    dL_dx = np.array(brick.backward(R), dtype=float)
    analytic = {p.name: p.grad.copy() for p in brick.parameters()}

    def f():
        return float(np.vdot(R, brick.forward(x)))

    checks = [_compare(part, "dL/dx", dL_dx, _numeric(f, x, eps), tol, atol)]
    for p in brick.parameters():
        numeric = _numeric(f, p.data, eps)
        checks.append(_compare(part, p.name.split(".")[-1], analytic[p.name], numeric, tol, atol))
    brick.forward(x)  # leave the cache as the network saw it
    return checks


def gradcheck(net: Brick, X, Y=None, loss=None, regularizer=None, eps: float | None = None,
              tol: float | None = None, atol: float = 1e-3, seed: int = 0) -> GradCheckReport:
    """Compare every analytic gradient with central finite differences.

    Parameters
    ----------
    net : Brick
        A single brick or a ``Sequential``; each of its bricks is checked locally.
    X : (n_samples, n_in) array
        Input; keep it small (a few samples): every entry costs two forward passes.
    Y, loss : targets and loss, optional
        With both, the loss is checked and the end-to-end check uses it.
    regularizer : L2, L1 or ElasticNet, optional
        Checked against its penalty and included end to end.
    eps, tol : float, optional
        Step and tolerance, default 1e-5 and 1e-6.  A float32 network is checked
        through a float64 copy (its bricks' math is the same; round-off is not).
    atol : float
        Floor of an element's scale, so tiny entries are judged by absolute error.

    Returns
    -------
    GradCheckReport
        ``print(report)`` shows the table; ``report.faulty`` names failing bricks.
    """
    # Finite differences in float32 drown in round-off: check a float64 twin instead.
    if net.dtype is not None and net.dtype != np.float64:
        net = copy.deepcopy(net).astype(np.float64)
    X = np.asarray(X, dtype=np.float64)
    eps = 1e-5 if eps is None else eps
    tol = 1e-6 if tol is None else tol
    rng = np.random.default_rng(seed)
    report = GradCheckReport(tol=tol)
    bricks = list(net) if isinstance(net, Sequential) else [net]

    x = X
    for i, brick in enumerate(bricks):
        report.checks += _check_brick(f"{i} {brick!r}", brick, x, rng, eps, tol, atol)
        x = np.array(brick.forward(x))
    if loss is None or Y is None:
        return report

    pred = np.array(x, dtype=float)
    loss.forward(pred, Y)
    dL_dpred = np.array(loss.backward(), dtype=float)
    report.checks.append(_compare(f"loss {loss!r}", "dL/dpred", dL_dpred,
                                  _numeric(lambda: loss.forward(pred, Y), pred, eps), tol, atol))
    params = net.parameters()
    n = X.shape[0]
    if regularizer is not None:
        for p in params:
            p.grad[...] = 0
        regularizer.backward(params, n)
        for p in params:
            report.checks.append(_compare(
                f"regularizer {regularizer!r}", p.name, p.grad.copy(),
                _numeric(lambda: regularizer.penalty(params, n), p.data, eps), tol, atol))

    def total():
        value = loss.forward(net.forward(Xc), Y)
        return value + (regularizer.penalty(params, n) if regularizer is not None else 0.0)

    Xc = np.array(X)
    total()
    dL_dX = np.array(net.backward(loss.backward()), dtype=float)
    if regularizer is not None:
        regularizer.backward(params, n)
    analytic = {p.name: p.grad.copy() for p in params}
    report.checks.append(_compare("network", "dL/dX", dL_dX, _numeric(total, Xc, eps), tol, atol))
    for p in params:
        report.checks.append(_compare("network", p.name, analytic[p.name],
                                      _numeric(total, p.data, eps), tol, atol))
    return report
