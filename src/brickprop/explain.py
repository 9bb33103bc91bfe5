"""One training iteration traced step by step: ``explain(net, X, Y) -> Trace``.

The network is deep-copied, every brick of the copy is wrapped in a recorder, and
the real ``train_step`` runs on the recorders.  The trace therefore holds copies of
what the bricks themselves computed (forward, loss, backward, update), in the
article's order; nothing is re-derived.  Render it as text, Markdown, LaTeX or HTML.
"""

from __future__ import annotations

import copy
import html
import re
import textwrap
from dataclasses import dataclass

import numpy as np

from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .core import Brick, Parameter, Sequential
from .layers import Linear
from .losses import MSE, BinaryCrossEntropy, CrossEntropy
from .optim import SGD
from .regularizers import L1, L2, ElasticNet
from .train import train_step

# class -> (forward formula, local derivative dh/dz); {z}, {h} name the layer's arrays
_ACTIVATION = {Sigmoid: ("sigmoid({z}) = 1 / (1 + exp(-{z}))", "{h} * (1 - {h})"),
               Tanh: ("tanh({z})", "1 - {h}^2"), ReLU: ("max({z}, 0)", "1 where {z} > 0, else 0"),
               LeakyReLU: ("{z} where {z} > 0, else {slope} * {z}",
                           "1 where {z} > 0, else {slope}"),
               Identity: ("{z}", "1"), Softmax: ("softmax({z})", None)}
# class -> (loss formula, dL/dpred), {h} is the network's output
_LOSS = {MSE: ("sum(({h} - y)^2) / 2N", "({h} - y) / N"),
         CrossEntropy: ("-sum(y * log_softmax({h})) / N", "(softmax({h}) - y) / N"),
         BinaryCrossEntropy: ("sum(softplus({h}) - y * {h}) / N", "(sigmoid({h}) - y) / N")}
# class -> (penalty over every weight matrix W, its gradient for one matrix {W})
_PENALTY = {L2: ("lam * sum(W^2) / 2N", "lam * {W} / N"),
            L1: ("lam * sum(|W|) / N", "lam * sign({W}) / N"),
            ElasticNet: ("l1 * sum(|W|) / N + l2 * sum(W^2) / 2N",
                         "l1 * sign({W}) / N + l2 * {W} / N")}


def _formula(table, obj, fallback):
    return next((v for cls, v in table.items() if isinstance(obj, cls)), fallback)


@dataclass(frozen=True)
class Entry:
    """One line of a trace: ``name = formula``, the array the bricks computed, and notes.

    ``reused_from`` names the earlier entry whose array this one reuses; ``per_sample``
    marks arrays with one row per sample (``samples=`` shortens those when rendering).
    """

    section: str
    name: str
    formula: str
    array: np.ndarray | None
    reused_from: str | None = None
    per_sample: bool = False

    @property
    def shape(self) -> tuple | None:
        return None if self.array is None else self.array.shape


class _Recorder(Brick):
    """Stands in for one brick, delegating to it and keeping copies of what flows through."""

    def __init__(self, brick: Brick):
        self.brick, self.keeps_shape = brick, brick.keeps_shape
        self.dy_dx = None

    def forward(self, x):
        self.x = x.copy()  # bricks may reuse or overwrite their buffers
        y = self.brick.forward(x)
        self.y = y.copy()
        return y

    def backward(self, dL_dy, input_grad=True):
        self.dL_dy = dL_dy.copy()
        dL_dx = self.brick.backward(dL_dy, input_grad=input_grad)
        self.dL_dx = None if dL_dx is None else dL_dx.copy()
        if not self.brick.parameters() and not isinstance(self.brick, Softmax):
            # element-wise: the brick's own backward of ones is its local derivative dy/dx
            self.dy_dx = self.brick.backward(np.ones_like(dL_dy)).copy()
        return dL_dx

    def parameters(self):
        return self.brick.parameters()


def _pairs(net) -> list[tuple[_Recorder, _Recorder]]:
    """(Linear, activation) recorders per layer; a Linear with no activation gets Identity."""
    if not isinstance(net, Sequential):
        raise TypeError(f"explain traces a Sequential, got {type(net).__name__}")
    pairs, bricks = [], list(net)
    for i, brick in enumerate(bricks):
        if isinstance(brick, Linear):
            after = bricks[i + 1] if i + 1 < len(bricks) else None
            act = after if after is not None and not isinstance(after, Linear) else Identity()
            pairs.append((_Recorder(brick), _Recorder(act)))
        elif brick.parameters() or i == 0 or not isinstance(bricks[i - 1], Linear):
            raise ValueError(f"explain traces Linear + activation pairs; brick {i} {brick!r} "
                             "does not follow a Linear")
    return pairs


def explain(net, X, Y, loss=None, regularizer=None, lr=None, optimizer=None) -> Trace:
    """Run one training iteration on a copy of ``net`` and trace every step of it.

    Parameters
    ----------
    net : Sequential
        Linear + activation pairs of any depth (left unchanged: a copy is trained).
    X : (n_samples, n_in) array;  Y : (n_samples, n_out) targets (or labels for CrossEntropy)
    loss : Loss, default MSE()
    regularizer : L2, L1 or ElasticNet, optional
    lr : float, optional
        Learning rate of a plain ``SGD`` (default 5.0, the article's); not with ``optimizer``.
    optimizer : Optimizer, optional
        Built on ``net.parameters()``; a copy takes the step, so its state is kept too.

    Returns
    -------
    Trace
        Entries ``h0, W1, b1, z1, h1, ..., L`` (forward and loss), ``dL/dh_k, dh_k/dz_k,
        dL/dz_k, dz_k/dW_k, dL/dW_k, dL/db_k`` from the top layer down, and ``W_k_new``.
    """
    if lr is not None and optimizer is not None:
        raise ValueError("give lr or optimizer, not both (the optimizer carries its own lr)")
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or Y.shape[:1] != X.shape[:1]:
        raise ValueError(f"X must be (n_samples, n_in) and Y have as many rows; got X {X.shape}"
                         f" and Y {Y.shape}")
    if optimizer is not None and not {id(p) for p in optimizer.params} <= \
            {id(p) for p in net.parameters()}:
        raise ValueError("the optimizer must be built on net.parameters() of this network")
    net, loss, regularizer, optimizer = copy.deepcopy((net, loss, regularizer, optimizer))
    pairs = _pairs(net)
    proxy = Sequential(*[r for pair in pairs for r in pair])
    loss = MSE() if loss is None else loss
    if optimizer is None:
        optimizer = SGD(proxy.parameters(), lr=5.0 if lr is None else lr)
    n_samples, lr_now = X.shape[0], optimizer.current_lr()
    before = [[p.data.copy() for p in lin.parameters()] for lin, _ in pairs]
    dR = {}  # id(W) -> penalty gradient, from the regularizer's own backward on a copy
    if regularizer is not None:
        shadows = [Parameter(p.data.copy()) for p in optimizer.params]
        regularizer.backward(shadows, n_samples)
        dR = {id(p): s.grad for p, s in zip(optimizer.params, shadows)}
    data_loss, penalty = train_step(proxy, loss, optimizer, X, Y, regularizer)[:2]

    K = len(pairs)
    L_of, dL_of = _formula(_LOSS, loss, (f"{type(loss).__name__}(h, y)", "loss.backward()"))
    R_of, dR_of = _formula(_PENALTY, regularizer, ("penalty", "penalty gradient"))
    weights = ", ".join(f"W{k}" for k in range(1, K + 1))
    losses = [Entry("loss", "L_data", L_of.format(h=f"h{K}"), np.array(data_loss)),
              Entry("loss", "L_penalty", "0 (no regularizer)" if regularizer is None else
                    f"{R_of} over {weights}, with {regularizer!r}", np.array(penalty)),
              Entry("loss", "L", "L_data + L_penalty", np.array(data_loss + penalty))]
    plain = type(optimizer) is SGD and not optimizer.momentum and not optimizer.weight_decay
    entries = (_forward(pairs, before, Y) + losses +
               _backward(pairs, before, dR, dL_of.format(h=f"h{K}"), dR_of) +
               _update(pairs, type(optimizer).__name__, plain))
    sizes = "-".join(str(n) for n in [pairs[0][0].brick.n_in] +
                     [lin.brick.n_out for lin, _ in pairs])
    opt = f"{type(optimizer).__name__}{'' if plain else ' step'} with lr {lr_now:g}"
    title = (f"One training iteration of the {sizes} network on {n_samples} sample"
             f"{'s' if n_samples != 1 else ''}: {loss!r}, "
             f"{'no penalty' if regularizer is None else f'penalty {regularizer!r}'}, {opt}")
    return Trace(entries, title)


def _act_formula(act: Brick, which: int, k: int) -> str | None:
    """Forward (``which=0``) or local-derivative (1) formula of layer ``k``'s activation."""
    text = _formula(_ACTIVATION, act, (f"{type(act).__name__}({{z}})", None))[which]
    return None if text is None else text.format(z=f"z{k}", h=f"h{k}",
                                                  slope=getattr(act, "slope", None))


def _forward(pairs, before, Y) -> list[Entry]:
    """``h0``, then per layer ``W_k, b_k, z_k = h_{k-1} W_k + b_k, h_k = act(z_k)``, then ``y``."""
    e = [Entry("forward", "h0", "X, the input batch", pairs[0][0].x, per_sample=True)]
    for k, ((lin, act), old) in enumerate(zip(pairs, before), start=1):
        e += [Entry("forward", f"{p}{k}", f"{'weights' if p == 'W' else 'biases'} of layer {k}",
                    a) for p, a in zip("Wb", old)]
        bias = f" + b{k}" if len(old) > 1 else ""
        e += [Entry("forward", f"z{k}", f"h{k - 1} W{k}{bias}", lin.y, per_sample=True),
              Entry("forward", f"h{k}", _act_formula(act.brick, 0, k), act.y, per_sample=True)]
    return e + [Entry("forward", "y", "targets", Y, per_sample=True)]


def _backward(pairs, before, dR, dL_dhK, dR_of) -> list[Entry]:
    """Per layer from the top: ``dL/dh_k`` (reusing ``dL/dz_{k+1}``), ``dh_k/dz_k``, ...."""
    e = []
    for k in range(len(pairs), 0, -1):
        (lin, act), s = pairs[k - 1], f"backward: layer {k}"
        if k == len(pairs):
            e.append(Entry(s, f"dL/dh{k}", dL_dhK, act.dL_dy, per_sample=True))
        else:
            e += [Entry(s, f"dz{k + 1}/dh{k}", f"W{k + 1}", before[k][0], reused_from=f"W{k + 1}"),
                  Entry(s, f"dL/dh{k}", f"dL/dz{k + 1} W{k + 1}^T", act.dL_dy,
                        reused_from=f"dL/dz{k + 1}", per_sample=True)]
        if act.dy_dx is not None:
            e += [Entry(s, f"dh{k}/dz{k}", _act_formula(act.brick, 1, k) or "element-wise "
                        "derivative", act.dy_dx, per_sample=True),
                  Entry(s, f"dL/dz{k}", f"dL/dh{k} * dh{k}/dz{k}", act.dL_dx, per_sample=True)]
        else:
            e += [Entry(s, f"dh{k}/dz{k}", "a Jacobian per sample, not element-wise: "
                        "dh_i/dz_j = h_i (delta_ij - h_j); dL/dz shown directly", None),
                  Entry(s, f"dL/dz{k}", f"h{k} * (dL/dh{k} - sum_j dL/dh{k}_j h{k}_j)",
                        act.dL_dx, per_sample=True)]
        e.append(Entry(s, f"dz{k}/dW{k}", f"h{k - 1}", lin.x, reused_from=f"h{k - 1}",
                       per_sample=True))
        W, *b = lin.parameters()
        dW_of = f"h{k - 1}^T dL/dz{k}"
        if id(W) in dR:
            e.append(Entry(s, f"dL_penalty/dW{k}", dR_of.format(W=f"W{k}"), dR[id(W)]))
            dW_of += f" + dL_penalty/dW{k}"
        e.append(Entry(s, f"dL/dW{k}", dW_of, W.grad.copy()))  # the gradient the update used
        e += [Entry(s, f"dL/db{k}", f"sum over samples of dL/dz{k}", p.grad.copy()) for p in b]
    return e


def _update(pairs, optimizer_name, plain) -> list[Entry]:
    """``W_k_new, b_k_new``: the parameters after ``optimizer.step()``."""
    return [Entry("update", f"{name}{k}_new", f"{name}{k} - lr * dL/d{name}{k}" if plain else
                  f"{optimizer_name}.step() from {name}{k} and dL/d{name}{k}", p.data.copy())
            for k, (lin, _) in enumerate(pairs, start=1) for p, name in zip(lin.parameters(), "Wb")]


def _cells(a, precision, samples, per_sample):
    """Rows of equal-width number strings, and how many rows (samples) were left out."""
    a = np.atleast_2d(np.asarray(a, dtype=float))
    hidden = a.shape[0] - samples if per_sample and samples and a.shape[0] > samples else 0
    a = a[:a.shape[0] - hidden]
    finite = np.abs(a[np.isfinite(a)])
    small = finite[finite > 0]
    sci = finite.size and (finite.max() >= 1e5 or (small.size and small.min() < 10.0 ** -precision))
    strings = [[f"{v:.{precision}{'e' if sci else 'f'}}" for v in row] for row in a]
    w = max(len(c) for row in strings for c in row)
    return [[c.rjust(w) for c in row] for row in strings], hidden


def _shape(e: Entry) -> str:
    return "-" if e.shape is None else str(e.shape)


def _hidden(n: int) -> str:
    return f"... {n} more row{'s' if n != 1 else ''} (samples) hidden"


def _joined(cells, hidden, newline, left, right, gap=" ") -> str:
    """Rows of cells as ``left + cells + right``, one per line, then the hidden-rows note."""
    rows = [left + gap.join(row) + right for row in cells] + [_hidden(hidden)] * bool(hidden)
    return newline.join(rows)


class Trace:
    """Ordered :class:`Entry` objects, looked up by name: ``trace["dL/dW1"].array``.

    ``str(trace)`` is ``to_text()``; ``to_markdown``, ``to_latex`` and ``_repr_html_``
    (notebooks) render the same entries.
    """

    def __init__(self, entries, title: str = ""):
        self.entries, self.title = list(entries), title
        self._by_name = {e.name: e for e in self.entries}

    def __getitem__(self, name: str) -> Entry:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no entry {name!r}; entries: {', '.join(self._by_name)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self.entries)

    def __str__(self) -> str:
        return self.to_text()

    def _rows(self, precision, samples):
        """``(new section or None, entry, note, cells or None, hidden rows)`` per entry."""
        if samples is not None and (isinstance(samples, bool) or samples < 1):
            raise ValueError(f"samples must be a positive integer or None, got {samples!r}")
        section = None
        for e in self.entries:
            note = e.formula
            if e.reused_from:
                where = self[e.reused_from].section if e.reused_from in self else ""
                where = "the forward pass" if where == "forward" else where.split(": ")[-1]
                note += f"  [reuses {e.reused_from}{' from ' + where if where else ''}]"
            cells, hidden = (None, 0) if e.array is None else \
                _cells(e.array, precision, samples, e.per_sample)
            yield (e.section if e.section != section else None), e, note, cells, hidden
            section = e.section

    def to_text(self, precision: int = 4, samples: int | None = None, width: int = 100) -> str:
        """Aligned plain text, no line longer than ``width``; each array under its name."""
        nw = max(len(e.name) for e in self.entries)
        sw = max(len(_shape(e)) for e in self.entries)
        lines = textwrap.wrap(self.title, width)
        for section, e, note, cells, hidden in self._rows(precision, samples):
            if section:
                lines += ["", section.upper()]
            head = f"  {e.name:<{nw}}  {_shape(e):<{sw}}  "
            scalar = cells is not None and e.array.ndim == 0
            lines += textwrap.wrap(note + (f" = {cells[0][0].strip()}" if scalar else ""), width,
                                   initial_indent=head, subsequent_indent=" " * len(head))
            if cells is None or scalar:
                continue
            n_cols, cw = len(cells[0]), len(cells[0][0])
            fit, more = n_cols, ""
            if 4 + n_cols * (cw + 2) > width:  # "    [" + cells joined by 2 spaces + "]"
                fit = max(1, (width - 20) // (cw + 2))  # leave room for "  ... +N cols"
                more = f"  ... +{n_cols - fit} cols"
            lines += ["    [" + "  ".join(row[:fit]) + "]" + more for row in cells]
            lines += ["    " + _hidden(hidden)] if hidden else []
        return "\n".join(lines)

    def to_markdown(self, precision: int = 4, samples: int | None = None) -> str:
        """One Markdown table per section: name, shape, formula, value."""
        out = [f"**{self.title}**"]
        for section, e, note, cells, hidden in self._rows(precision, samples):
            if section:
                out += ["", f"#### {section}", "", "| name | shape | formula | value |",
                        "|---|---|---|---|"]
            value = "-" if cells is None else _joined(cells, hidden, "<br>", "`[", "]`")
            note = note.replace("|", r"\|")
            out.append(f"| `{e.name}` | {_shape(e)} | `{note}` | {value} |")
        return "\n".join(out)

    def to_latex(self, precision: int = 4, samples: int | None = None) -> str:
        """A LaTeX fragment (needs ``amsmath``): one ``align*`` per section, ``bmatrix`` arrays."""
        n_cols = max((e.array.shape[-1] for e in self.entries
                      if e.array is not None and e.array.ndim), default=1)
        out = [f"% {self.title}", f"\\setcounter{{MaxMatrixCols}}{{{max(10, n_cols)}}}"]
        for section, e, note, cells, hidden in self._rows(precision, samples):
            if section:
                out += [r"\end{align*}"] * (len(out) > 2) + [
                    rf"\paragraph{{{_tex_escape(section.capitalize())}}}", r"\begin{align*}"]
            value = r"\text{--}"
            if cells is not None:
                rows = [" & ".join(row) for row in cells] + [r"\vdots"] * bool(hidden)
                value = rows[0] if e.array.ndim == 0 else \
                    r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
                note += f" ({hidden} more rows hidden)" if hidden else ""
            note = _tex_escape(note)
            out.append(rf"{_tex_name(e.name)} &= {value} && \text{{\texttt{{{note}}}}} \\")
        return "\n".join(out + [r"\end{align*}"])

    def _repr_html_(self, precision: int = 4, samples: int | None = 8) -> str:
        """An HTML table for notebooks (8 samples per array); every string is escaped."""
        esc = html.escape
        rows = [f"<caption>{esc(self.title)}</caption>",
                "<tr><th>name</th><th>shape</th><th>formula</th><th>value</th></tr>"]
        for section, e, note, cells, hidden in self._rows(precision, samples):
            if section:
                rows.append(f'<tr><th colspan="4">{esc(section)}</th></tr>')
            value = "" if cells is None else _joined(cells, hidden, "\n", "[", "]", "  ")
            rows.append(f"<tr><td>{esc(e.name)}</td><td>{esc(_shape(e))}</td><td>{esc(note)}</td>"
                        f"<td><pre>{esc(value)}</pre></td></tr>")
        return '<table class="brickprop-trace">\n' + "\n".join(rows) + "\n</table>"


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}",
                "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}"}


def _tex_escape(s: str) -> str:
    return "".join(_TEX_SPECIAL.get(c, c) for c in s)


def _tex_name(name: str) -> str:
    """``dL/dW2`` -> ``\\frac{\\partial L}{\\partial W_{2}}``, ``W1_new`` -> ``W_{1}^{new}``."""
    def symbol(s):
        m = re.fullmatch(r"([A-Za-z]+?)(\d*)(?:_([a-z]+))?", s)
        if m is None:
            return rf"\text{{{_tex_escape(s)}}}"
        base, k, tag = m.groups()
        tag = rf"{'^' if k else '_'}{{\text{{{tag}}}}}" if tag else ""
        return base + (f"_{{{k}}}" if k else "") + tag
    if "/" in name:
        top, bottom = name.split("/", 1)
        return rf"\frac{{\partial {symbol(top[1:])}}}{{\partial {symbol(bottom[1:])}}}"
    return symbol(name)


def render(trace: Trace, fmt: str = "text", precision: int = 4,
           samples: int | None = None) -> str:
    """``trace`` as ``"text"``, ``"markdown"`` or ``"latex"``."""
    renderers = {"text": trace.to_text, "markdown": trace.to_markdown, "latex": trace.to_latex}
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(renderers)}")
    return renderers[fmt](precision=precision, samples=samples)
