"""Optimizers: step for step against torch.optim, against their formulas, resume, errors."""

import numpy as np
import pytest

from brickprop.bricks.core import Parameter
from brickprop.optim.optimizers import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamW,
    Optimizer,
    RMSProp,
    make_optimizer,
)

N_STEPS = 100

CASES = [  # (brickprop class, torch.optim name, lr, keyword arguments)
    (SGD, "SGD", 0.1, {}),
    (SGD, "SGD", 0.1, {"weight_decay": 0.05}),
    (SGD, "SGD", 0.05, {"momentum": 0.9}),
    (SGD, "SGD", 0.05, {"momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    (SGD, "SGD", 0.05, {"momentum": 0.9, "nesterov": True}),
    (SGD, "SGD", 0.05, {"momentum": 0.8, "nesterov": True, "weight_decay": 0.02}),
    (RMSProp, "RMSprop", 0.01, {}),
    (RMSProp, "RMSprop", 0.01, {"alpha": 0.9, "eps": 1e-6, "weight_decay": 0.03}),
    (RMSProp, "RMSprop", 0.005, {"momentum": 0.7}),
    (RMSProp, "RMSprop", 0.005, {"centered": True}),
    (RMSProp, "RMSprop", 0.002, {"centered": True, "momentum": 0.5, "weight_decay": 0.01}),
    (Adam, "Adam", 0.05, {}),
    (Adam, "Adam", 0.05, {"betas": (0.8, 0.99), "eps": 1e-6}),
    (Adam, "Adam", 0.05, {"weight_decay": 0.1}),
    (Adam, "Adam", 0.05, {"amsgrad": True}),
    (Adam, "Adam", 0.05, {"amsgrad": True, "weight_decay": 0.1}),
    (AdamW, "AdamW", 0.05, {}),
    (AdamW, "AdamW", 0.05, {"weight_decay": 0.2}),
    (AdamW, "AdamW", 0.05, {"weight_decay": 0.0}),
    (AdamW, "AdamW", 0.05, {"amsgrad": True, "betas": (0.85, 0.95)}),
]
IDS = [f"{cls.__name__}-{lr}-" + "-".join(f"{k}={v}" for k, v in kw.items())
       for cls, _, lr, kw in CASES]


class Problem:
    """Least squares ``L = sum((X @ W + b - Y)**2) / (2N)`` on fixed random data, float64."""

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.X = rng.normal(size=(16, 3))  # (n_samples, n_in)
        self.Y = rng.normal(size=(16, 2))  # (n_samples, n_out)
        self.W0 = rng.normal(size=(3, 2))
        self.b0 = rng.normal(size=2)

    def params(self):
        return [Parameter(self.W0.copy(), "0.W"), Parameter(self.b0.copy(), "0.b")]

    def set_grads(self, params, replace=False):
        """Write the gradients into ``p.grad``, as bricks do, or replace the arrays."""
        W, b = params
        R = self.X @ W.data + b.data - self.Y  # (n_samples, n_out)
        grads = self.X.T @ R / len(self.X), R.sum(axis=0) / len(self.X)
        for p, g in zip(params, grads):
            if replace:
                p.grad = g
            else:
                p.grad[...] = g


def rel_err(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


def run(opt, problem, steps):
    for _ in range(steps):
        problem.set_grads(opt.params)
        opt.step()
    return [p.data.copy() for p in opt.params]


def assert_follows_torch(torch, opt, torch_name, kw, problem, steps, scheduler=None):
    """Step ``opt`` and ``torch.optim.<torch_name>`` with the same gradients, comparing.

    The gradients are computed once per step from brickprop's parameters and copied into
    torch's, so any difference comes from the update rule alone.
    """
    tparams = [torch.tensor(p.data.copy(), requires_grad=True) for p in opt.params]
    lr = opt.lr if not callable(opt.lr) else opt.lr(0)
    topt = getattr(torch.optim, torch_name)(tparams, lr=lr, **kw)
    sched = scheduler(topt) if scheduler else None
    for step in range(steps):
        assert opt.current_lr() == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12, abs=0)
        problem.set_grads(opt.params)
        for p, tp in zip(opt.params, tparams):
            tp.grad = torch.tensor(p.grad.copy())
        opt.step()
        topt.step()
        if sched:
            sched.step()
        for p, tp in zip(opt.params, tparams):
            err = rel_err(p.data, tp.detach().numpy())
            assert err <= 1e-10, f"{p.name} differs from torch by {err:.2g} at step {step}"
    assert rel_err(opt.params[0].data, problem.W0) > 1e-3  # the run moved the weights


@pytest.mark.parametrize("cls, torch_name, lr, kw", CASES, ids=IDS)
def test_matches_torch_step_for_step(cls, torch_name, lr, kw):
    torch = pytest.importorskip("torch")
    problem = Problem()
    assert_follows_torch(torch, cls(problem.params(), lr=lr, **kw), torch_name, kw, problem,
                         N_STEPS)


@pytest.mark.parametrize("cls, torch_name, sched, torch_sched", [
    (Adam, "Adam", ("Cosine", {"lr": 0.05, "t_max": 30}),
     ("CosineAnnealingLR", {"T_max": 30})),
    (SGD, "SGD", ("StepDecay", {"lr": 0.05, "step_size": 20, "gamma": 0.5}),
     ("StepLR", {"step_size": 20, "gamma": 0.5})),
])
def test_with_a_schedule_matches_torch_scheduler(cls, torch_name, sched, torch_sched):
    torch = pytest.importorskip("torch")
    from brickprop.optim import schedules

    problem = Problem(seed=1)
    kw = {"momentum": 0.9} if cls is SGD else {}
    opt = cls(problem.params(), lr=getattr(schedules, sched[0])(**sched[1]), **kw)
    make = getattr(torch.optim.lr_scheduler, torch_sched[0])
    assert_follows_torch(torch, opt, torch_name, kw, problem, N_STEPS,
                         scheduler=lambda o: make(o, **torch_sched[1]))


@pytest.mark.parametrize("cls, torch_name, lr, kw", CASES, ids=IDS)
def test_one_flat_update_equals_one_update_per_parameter(cls, torch_name, lr, kw):
    problem = Problem(seed=4)
    params = problem.params()
    before = [p.data.copy() for p in params]
    flat = cls(params, lr=lr, **kw)
    assert all(np.shares_memory(p.data, flat.flat.data) for p in params)
    assert all(np.shares_memory(p.grad, flat.flat.grad) for p in params)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.data, b)  # gathering keeps the values
    apart = cls(problem.params(), lr=lr, **kw)
    for _ in range(20):
        problem.set_grads(flat.params)
        flat.step()
        problem.set_grads(apart.params, replace=True)  # new arrays: one update per parameter
        apart.step()
        assert flat.flat.holds(flat.params) and not apart.flat.holds(apart.params)
        for a, b in zip(flat.params, apart.params):
            np.testing.assert_array_equal(a.data, b.data)
    for a, b in zip(flat.state, apart.state):  # per-parameter state views the flat state
        assert {k for k in a if k[0] != "_"} == {k for k in b if k[0] != "_"}
        for k in (k for k in a if k[0] != "_"):
            np.testing.assert_array_equal(a[k], b[k])


def test_optimizers_on_the_same_parameters_share_one_flat_array():
    params = Problem().params()
    first = SGD(params, lr=0.1)
    second = Adam(params, lr=0.1)
    assert first.flat.data is second.flat.data and first.flat.holds(params)
    mixed = [Parameter(np.zeros(2)), Parameter(np.zeros(2, np.float32))]
    assert SGD(mixed, lr=0.1).flat is None  # one dtype per flat array: updated one by one
    assert SGD([params[0], params[0]], lr=0.1).flat is None


def test_plain_sgd_formula():
    p = Parameter(np.array([1.0, -2.0]))
    p.grad = np.array([0.5, 4.0])
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.4], rtol=1e-15)


def test_momentum_formula_first_two_steps():
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([2.0])
    opt.step()  # v = g = 2, p = 1 - 0.2
    p.grad = np.array([1.0])
    opt.step()  # v = 0.9 * 2 + 1 = 2.8, p = 0.8 - 0.28
    np.testing.assert_allclose(p.data, [0.52], rtol=1e-14)


def test_adam_first_step_moves_each_weight_by_lr():
    # m_hat / sqrt(v_hat) = g / |g| on the first step, so each weight moves by lr (eps aside).
    p = Parameter(np.array([1.0, 1.0, 1.0]))
    p.grad = np.array([3.0, -0.01, 1e3])
    Adam([p], lr=0.01, eps=1e-12).step()
    np.testing.assert_allclose(p.data, [0.99, 1.01, 0.99], rtol=1e-9)


def test_adamw_decays_weights_without_gradient():
    p = Parameter(np.array([2.0, -4.0]))
    p.grad = np.zeros(2)
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.data, [2.0 * 0.95, -4.0 * 0.95], rtol=1e-15)


@pytest.mark.parametrize("cls, kw", [(SGD, {"momentum": 0.9, "nesterov": True,
                                              "weight_decay": 0.1}),
                                     (RMSProp, {"centered": True, "weight_decay": 0.1}),
                                     (Adam, {"weight_decay": 0.1}), (AdamW, {})])
def test_step_leaves_grad_unchanged_and_keeps_dtype(cls, kw):
    rng = np.random.default_rng(3)
    params = [Parameter(rng.normal(size=(3, 2)).astype(np.float32)),
              Parameter(rng.normal(size=2).astype(np.float32))]
    for p in params:
        p.grad = rng.normal(size=p.shape).astype(np.float32)
    grads = [p.grad.copy() for p in params]
    opt = cls(params, lr=0.01, **kw)
    for _ in range(3):
        opt.step()
    for p, g in zip(params, grads):
        np.testing.assert_array_equal(p.grad, g)
        assert p.data.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[0].values())


def test_schedule_lr_and_step_count():
    p = Parameter(np.zeros(1))
    opt = SGD([p], lr=lambda step: 1.0 / (step + 1))
    seen = []
    for _ in range(3):
        seen.append(opt.current_lr())
        p.grad = np.ones(1)
        opt.step()
    assert opt.t == 3
    np.testing.assert_allclose(seen, [1.0, 0.5, 1.0 / 3], rtol=1e-15)
    np.testing.assert_allclose(p.data, [-(1.0 + 0.5 + 1.0 / 3)], rtol=1e-15)


@pytest.mark.parametrize("cls, torch_name, lr, kw", CASES, ids=IDS)
def test_state_dict_resumes_the_exact_trajectory(cls, torch_name, lr, kw, tmp_path):
    problem = Problem(seed=2)
    opt = cls(problem.params(), lr=lr, **kw)
    run(opt, problem, 40)
    saved = opt.state_dict()
    saved_params = [p.data.copy() for p in opt.params]
    straight = run(opt, problem, 30)

    # through a file: np.savez keeps numbers as 0-d arrays and betas as an array
    np.savez(tmp_path / "opt.npz", **saved)
    with np.load(tmp_path / "opt.npz") as f:
        loaded = dict(f)
    for d in (saved, loaded):
        params = [Parameter(a.copy(), name) for a, name in zip(saved_params, ("0.W", "0.b"))]
        fresh = cls(params, lr=lr, **kw)
        fresh.load_state_dict(d)
        assert fresh.t == 40
        resumed = run(fresh, problem, 30)
        for a, b in zip(resumed, straight):
            np.testing.assert_array_equal(a, b)  # bit-identical, not merely close


def test_state_dict_restores_hyper_parameters_and_holds_copies():
    problem = Problem()
    opt = Adam(problem.params(), lr=0.05, betas=(0.8, 0.9), amsgrad=True)
    run(opt, problem, 3)
    d = opt.state_dict()
    assert d["optimizer"] == "Adam" and d["t"] == 3 and d["n_params"] == 2
    assert set(d) >= {"lr", "betas", "eps", "weight_decay", "amsgrad", "state.0.exp_avg",
                      "state.1.max_exp_avg_sq"}
    assert not any(k.split(".")[-1].startswith("_") for k in d)  # no scratch buffers
    d["state.0.exp_avg"][...] = 1e9  # a copy: the optimizer is untouched
    assert np.abs(opt.state[0]["exp_avg"]).max() < 1e3

    other = Adam(problem.params())  # defaults everywhere
    other.load_state_dict(opt.state_dict())
    assert (other.lr, other.betas, other.amsgrad) == (0.05, (0.8, 0.9), True)
    loaded = opt.state_dict()
    other.load_state_dict(loaded)
    loaded["state.0.exp_avg"][...] = 1e9  # loading copied the arrays
    assert np.abs(other.state[0]["exp_avg"]).max() < 1e3


def test_load_state_dict_keeps_a_schedule():
    problem = Problem()
    opt = SGD(problem.params(), lr=lambda t: 0.1, momentum=0.9)
    run(opt, problem, 2)
    d = opt.state_dict()
    assert "lr" not in d
    fresh = SGD(problem.params(), lr=lambda t: 0.2, momentum=0.9)
    fresh.load_state_dict(d)
    assert fresh.current_lr() == pytest.approx(0.2, rel=1e-15)


def test_load_state_dict_errors():
    problem = Problem()
    opt = Adam(problem.params(), lr=0.01)
    run(opt, problem, 2)
    d = opt.state_dict()
    with pytest.raises(ValueError, match="from Adam with 2 parameters, not Adam with 1"):
        Adam(problem.params()[:1]).load_state_dict(d)
    with pytest.raises(ValueError, match="from Adam with 2 parameters, not SGD with 2"):
        SGD(problem.params()).load_state_dict(d)
    wrong_shape = [Parameter(np.zeros((2, 3)), "0.W"), Parameter(np.zeros(2), "0.b")]
    with pytest.raises(ValueError, match=r"state.0.exp_avg must be an array of shape \(2, 3\)"
                                         r".*got \(3, 2\)"):
        Adam(wrong_shape).load_state_dict(d)
    missing = {k: v for k, v in d.items() if k != "state.1.exp_avg_sq"}
    with pytest.raises(ValueError, match="state.1.exp_avg_sq must be .* got None"):
        Adam(problem.params()).load_state_dict(missing)
    with pytest.raises(ValueError, match="unexpected keys in the state_dict: .*'state.0.extra'"):
        Adam(problem.params()).load_state_dict({**d, "state.0.extra": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam(problem.params()).load_state_dict({k: v for k, v in d.items() if k != "betas"})
    with pytest.raises(ValueError, match=r"betas\[1\] must be a finite number in \[0, 1\)"):
        Adam(problem.params()).load_state_dict({**d, "betas": (0.9, 1.5)})
    with pytest.raises(ValueError, match=r"state_dict\['t'\] must be an integer >= 0"):
        Adam(problem.params()).load_state_dict({**d, "t": -1})


@pytest.mark.parametrize("make, match", [
    (lambda p: SGD(p, lr=0), r"lr must be a finite number in \(0, inf\), got 0"),
    (lambda p: SGD(p, lr=float("nan")), "lr must be a finite number"),
    (lambda p: SGD(p, lr="0.1"), "lr must be a finite number .* got '0.1'"),
    (lambda p: SGD(p, momentum=-0.5), r"momentum must be a finite number in \[0, 1\), got -0.5"),
    (lambda p: SGD(p, momentum=1.0), r"momentum must be a finite number in \[0, 1\)"),
    (lambda p: SGD(p, dampening=1.5), r"dampening must be a finite number in \[0, 1\]"),
    (lambda p: SGD(p, weight_decay=-1e-4), "weight_decay must be a finite number"),
    (lambda p: SGD(p, nesterov=True), "nesterov=True needs momentum > 0 and dampening = 0"),
    (lambda p: SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
    (lambda p: SGD(p, nesterov="yes"), "nesterov must be True or False, got 'yes'"),
    (lambda p: RMSProp(p, alpha=1.0), r"alpha must be a finite number in \[0, 1\)"),
    (lambda p: RMSProp(p, eps=0.0), r"eps must be a finite number in \(0, inf\)"),
    (lambda p: RMSProp(p, momentum=-1), "momentum must be"),
    (lambda p: RMSProp(p, centered=1), "centered must be True or False"),
    (lambda p: Adam(p, betas=(0.9, 1.0)), r"betas\[1\] must be a finite number in \[0, 1\)"),
    (lambda p: Adam(p, betas=(-0.1, 0.999)), r"betas\[0\] must be"),
    (lambda p: Adam(p, betas=0.9), r"betas must be a pair \(beta1, beta2\), got 0.9"),
    (lambda p: Adam(p, eps=-1e-8), "eps must be"),
    (lambda p: AdamW(p, weight_decay=-0.01), "weight_decay must be"),
    (lambda p: Adam(p, amsgrad=None), "amsgrad must be True or False"),
    (lambda p: SGD([]), "no parameters; pass net.parameters()"),
    (lambda p: SGD([np.zeros(3)]), "must be Parameters .* item 0 is a ndarray"),
])
def test_bad_hyper_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make(Problem().params())


def test_registry_and_make_optimizer():
    params = Problem().params()
    assert set(OPTIMIZERS) == {"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"}
    opt = make_optimizer("momentum", params, 0.05)
    assert isinstance(opt, SGD) and (opt.lr, opt.momentum, opt.nesterov) == (0.05, 0.9, False)
    opt = make_optimizer("Nesterov", params, 0.05, momentum=0.5)
    assert (opt.momentum, opt.nesterov) == (0.5, True)
    assert make_optimizer("adam", params).lr == 1e-3
    opt = make_optimizer("adamw", params, 0.01, weight_decay=0.1)
    assert type(opt) is AdamW and opt.weight_decay == 0.1
    assert type(make_optimizer("rmsprop", params, centered=True)) is RMSProp
    for name in OPTIMIZERS:
        assert isinstance(make_optimizer(name, params, 0.01), Optimizer)
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'; choose one of sgd, "
                                         "momentum, nesterov, rmsprop, adam, adamw"):
        make_optimizer("adagrad", params, 0.01)
    with pytest.raises(TypeError, match="betas"):
        make_optimizer("sgd", params, 0.01, betas=(0.9, 0.99))


def test_repr_names_the_hyper_parameters():
    opt = Adam(Problem().params(), lr=0.01)
    assert repr(opt) == ("Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, "
                         "amsgrad=False)")


def test_a_deep_copy_of_an_optimizer_updates_its_own_parameters():
    import copy

    problem = Problem(seed=5)
    opt = SGD(problem.params(), lr=0.1, momentum=0.9)
    twin = copy.deepcopy(opt)
    for o in (opt, twin):
        for _ in range(3):
            problem.set_grads(o.params)
            o.step()
    for a, b in zip(opt.params, twin.params):
        np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(opt.params[0].data, problem.W0)
