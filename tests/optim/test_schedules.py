"""Schedules: step for step against torch.optim.lr_scheduler, formulas, registry, errors."""

import math

import numpy as np
import pytest

from brickprop.bricks.core import Parameter
from brickprop.optim import schedules
from brickprop.optim.optimizers import SGD
from brickprop.optim.schedules import (
    SCHEDULES,
    Constant,
    Cosine,
    Exponential,
    InverseTime,
    MultiStep,
    OneCycle,
    ReduceOnPlateau,
    StepDecay,
    Warmup,
    lr_curve,
    make_schedule,
)

LR = 0.1


def torch_lrs(torch, make_scheduler, steps, lr=LR):
    """The rate torch's optimizer uses at each of ``steps`` updates under the scheduler."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(opt, torch.optim.lr_scheduler)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return np.array(rates)


TWINS = [  # (brickprop schedule, torch scheduler factory, steps)
    (StepDecay(LR, step_size=7, gamma=0.5), lambda o, s: s.StepLR(o, 7, gamma=0.5), 60),
    (MultiStep(LR, [25, 10, 60, 60], gamma=0.3),
     lambda o, s: s.MultiStepLR(o, [10, 25, 60, 60], gamma=0.3), 100),
    (Exponential(LR, 0.97), lambda o, s: s.ExponentialLR(o, 0.97), 100),
    (Cosine(LR, t_max=30), lambda o, s: s.CosineAnnealingLR(o, 30), 100),
    (Cosine(LR, t_max=25, eta_min=0.01), lambda o, s: s.CosineAnnealingLR(o, 25, 0.01), 100),
    (Cosine(LR, t_max=10, restarts=True),
     lambda o, s: s.CosineAnnealingWarmRestarts(o, 10), 100),
    (Cosine(LR, t_max=5, eta_min=0.002, restarts=True, t_mult=2),
     lambda o, s: s.CosineAnnealingWarmRestarts(o, 5, T_mult=2, eta_min=0.002), 200),
    (OneCycle(LR, total_steps=100),
     lambda o, s: s.OneCycleLR(o, LR, total_steps=100, cycle_momentum=False), 100),
    (OneCycle(LR, total_steps=37, pct_start=0.25, div_factor=10.0, final_div_factor=100.0,
              anneal="linear"),
     lambda o, s: s.OneCycleLR(o, LR, total_steps=37, pct_start=0.25, div_factor=10.0,
                               final_div_factor=100.0, anneal_strategy="linear",
                               cycle_momentum=False), 37),
    (OneCycle(LR, total_steps=1),
     lambda o, s: s.OneCycleLR(o, LR, total_steps=1, cycle_momentum=False), 1),
    (Warmup(LR, warmup_steps=10, start_factor=0.1),
     lambda o, s: s.SequentialLR(o, [s.LinearLR(o, 0.1, total_iters=10), s.ConstantLR(o, 1.0)],
                                 milestones=[10]), 40),
    (Warmup(Cosine(LR, t_max=50, eta_min=0.001), warmup_steps=8),
     lambda o, s: s.SequentialLR(o, [s.LinearLR(o, 1 / 3, total_iters=8),
                                     s.CosineAnnealingLR(o, 50, eta_min=0.001)],
                                 milestones=[8]), 58),
    (Warmup(StepDecay(LR, 5, gamma=0.5), warmup_steps=4, start_factor=0.5),
     lambda o, s: s.SequentialLR(o, [s.LinearLR(o, 0.5, total_iters=4), s.StepLR(o, 5, 0.5)],
                                 milestones=[4]), 30),
]


@pytest.mark.parametrize("schedule, make_twin, steps", TWINS, ids=[repr(t[0]) for t in TWINS])
def test_matches_torch_scheduler(schedule, make_twin, steps):
    torch = pytest.importorskip("torch")
    expected = torch_lrs(torch, make_twin, steps)
    np.testing.assert_allclose(lr_curve(schedule, steps), expected, rtol=1e-10, atol=1e-16)


def test_onecycle_hits_its_landmarks():
    s = OneCycle(1.0, total_steps=101, pct_start=0.3, div_factor=20.0, final_div_factor=50.0)
    assert s(0) == pytest.approx(1 / 20, rel=1e-12)
    peak = float(0.3 * 101) - 1
    assert s(math.floor(peak)) < 1.0 and max(lr_curve(s, 101)) <= 1.0
    assert s(100) == pytest.approx(1 / 20 / 50, rel=1e-12)
    assert s(500) == s(100)  # held after the cycle


def test_reduce_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    losses = np.concatenate([np.linspace(1.0, 0.5, 15), 0.5 + 0.01 * rng.random(40),
                             np.linspace(0.5, 0.2, 10), np.full(30, 0.2),
                             0.2 * (1 - 0.5e-4) * np.ones(10)])
    slow = 20.0 * 0.997 ** np.arange(40)  # gains 0.06 a step: 0.3%, short of a 1% threshold
    for kw, seq in (({}, losses),
                    ({"factor": 0.5, "patience": 3, "cooldown": 2, "min_lr": 0.004}, losses),
                    ({"patience": 0, "threshold": 0.05, "min_lr": 0.05}, losses),
                    ({"factor": 0.5, "patience": 1, "threshold": 0.01}, slow)):
        ours = ReduceOnPlateau(LR, **kw)
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=LR)
        theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", **kw)
        for step, loss in enumerate(seq):
            assert ours(step) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12)
            ours.observe(loss)
            theirs.step(loss)
        assert ours.current_lr < LR  # the run did reduce


def test_reduce_on_plateau_in_an_optimizer_resumes():
    schedule = ReduceOnPlateau(1.0, factor=0.5, patience=1)
    opt = SGD([Parameter(np.zeros(2))], lr=Warmup(schedule, 2))
    for loss in (1.0, 1.0, 1.0, 1.0):
        opt.step()
        opt.lr.observe(loss)
    assert opt.current_lr() == 0.5  # patience 1: the third equal loss halves the rate
    state = schedule.state_dict()
    fresh = ReduceOnPlateau(1.0, factor=0.5, patience=1)
    fresh.load_state_dict({k: np.asarray(v) for k, v in state.items()})  # as np.load gives
    assert fresh.state_dict() == state
    assert [fresh.observe(1.0) for _ in range(4)] == [0.25, 0.25, 0.125, 0.125]
    with pytest.raises(ValueError, match="needs keys"):
        fresh.load_state_dict({"best": 1.0})


def test_formulas_without_torch():
    steps = np.arange(50)
    np.testing.assert_allclose(lr_curve(InverseTime(0.2, power_t=0.25), 50),
                               0.2 / (steps + 1) ** 0.25, rtol=1e-15)
    np.testing.assert_allclose(lr_curve(InverseTime(0.2), 4), 0.2 / np.sqrt([1, 2, 3, 4]),
                               rtol=1e-15)
    np.testing.assert_allclose(lr_curve(Exponential(0.5, 0.9), 50), 0.5 * 0.9**steps,
                               rtol=1e-13)
    np.testing.assert_allclose(lr_curve(StepDecay(1.0, 10, 0.5), 50),
                               0.5 ** (steps // 10), rtol=1e-15)
    np.testing.assert_allclose(lr_curve(MultiStep(1.0, [5, 20], 0.1), 30),
                               np.where(steps[:30] < 5, 1.0, np.where(steps[:30] < 20, 0.1, 0.01)),
                               rtol=1e-14)
    cosine = Cosine(1.0, t_max=40, eta_min=0.1)
    assert cosine(0) == 1.0 and cosine(40) == pytest.approx(0.1, rel=1e-15)
    assert cosine(20) == pytest.approx(0.55, rel=1e-14)
    sgdr = Cosine(1.0, t_max=3, restarts=True, t_mult=2)  # periods 3, 6, 12 ...
    assert [sgdr(t) for t in (0, 3, 9, 21)] == [1.0, 1.0, 1.0, 1.0]
    assert sgdr(6) == pytest.approx(0.5, rel=1e-14)  # 3 steps into a period of 6
    warm = Warmup(Constant(2.0), warmup_steps=4, start_factor=0.0)
    np.testing.assert_allclose(lr_curve(warm, 6), [0.0, 0.5, 1.0, 1.5, 2.0, 2.0], rtol=1e-15)


def test_lr_curve():
    curve = lr_curve(0.3, 5)
    assert curve.shape == (5,) and curve.dtype == np.float64
    np.testing.assert_allclose(curve, 0.3, rtol=0)
    assert lr_curve(Cosine(1.0, 10), 0).shape == (0,)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        lr_curve(Constant(1.0), -1)


def test_schedule_drives_an_optimizer():
    p = Parameter(np.zeros(1))
    opt = SGD([p], lr=StepDecay(1.0, step_size=2, gamma=0.1))
    for _ in range(4):
        p.grad = np.ones(1)
        opt.step()
    np.testing.assert_allclose(p.data, [-(1 + 1 + 0.1 + 0.1)], rtol=1e-15)


@pytest.mark.parametrize("schedule", [t[0] for t in TWINS] + [
    Constant(0.5), InverseTime(0.1, 0.75), ReduceOnPlateau(0.1, patience=3)])
def test_repr_rebuilds_the_schedule(schedule):
    text = repr(schedule)
    assert text.startswith(type(schedule).__name__ + "(")
    rebuilt = eval(text, vars(schedules))
    assert repr(rebuilt) == text
    np.testing.assert_allclose(lr_curve(rebuilt, 30), lr_curve(schedule, 30), rtol=0)


def test_registry_and_make_schedule():
    assert set(SCHEDULES) == {"constant", "step", "multistep", "exponential", "inverse_time",
                              "cosine", "onecycle", "plateau"}
    s = make_schedule("cosine", 0.1, t_max=20, eta_min=0.01)
    assert isinstance(s, Cosine) and (s.lr, s.t_max, s.eta_min) == (0.1, 20, 0.01)
    s = make_schedule("OneCycle", 0.5, total_steps=50)
    assert isinstance(s, OneCycle) and s.max_lr == 0.5
    s = make_schedule("step", 0.1, step_size=5, warmup_steps=3, warmup_start_factor=0.2)
    assert isinstance(s, Warmup) and isinstance(s.schedule, StepDecay) and s.start_factor == 0.2
    assert isinstance(make_schedule("plateau", 0.1, patience=2), ReduceOnPlateau)
    with pytest.raises(ValueError, match="unknown schedule 'linear'; choose one of constant, "
                                         "step, multistep"):
        make_schedule("linear", 0.1)
    with pytest.raises(ValueError, match="schedule 'cosine' takes no argument 'T_max'; "
                                         "it takes t_max, eta_min, restarts, t_mult"):
        make_schedule("cosine", 0.1, T_max=10)
    with pytest.raises(ValueError, match="'constant' takes no argument 'gamma'; it takes only lr"):
        make_schedule("constant", 0.1, gamma=0.5)
    with pytest.raises(ValueError, match="warmup_steps must be an integer >= 0"):
        make_schedule("constant", 0.1, warmup_steps=-2)


@pytest.mark.parametrize("make, match", [
    (lambda: Constant(0.0), r"lr must be a finite number in \(0, inf\), got 0.0"),
    (lambda: Constant("fast"), "lr must be a finite number"),
    (lambda: StepDecay(0.1, 0), "step_size must be an integer >= 1, got 0"),
    (lambda: StepDecay(0.1, 2.5), "step_size must be an integer >= 1, got 2.5"),
    (lambda: StepDecay(0.1, 5, gamma=-0.5), "gamma must be a finite number"),
    (lambda: MultiStep(0.1, 10), "milestones must be a list of steps, got 10"),
    (lambda: MultiStep(0.1, [10, 0]), "each milestone must be an integer >= 1, got 0"),
    (lambda: Exponential(0.1, 0.0), "gamma must be a finite number"),
    (lambda: InverseTime(0.1, power_t=-1), "power_t must be"),
    (lambda: Cosine(0.1, 0), "t_max must be an integer >= 1"),
    (lambda: Cosine(0.1, 10, eta_min=0.2), r"eta_min must be a finite number in \[0, 0.1\]"),
    (lambda: Cosine(0.1, 10, t_mult=2), "t_mult only applies with restarts=True"),
    (lambda: Cosine(0.1, 10, restarts=True, t_mult=1.5), "t_mult must be an integer >= 1"),
    (lambda: Cosine(0.1, 10, restarts="yes"), "restarts must be True or False"),
    (lambda: Warmup(0.1, 0), "warmup_steps must be an integer >= 1"),
    (lambda: Warmup(0.1, 5, start_factor=1.5), r"start_factor must be a finite number in \[0, 1\]"),
    (lambda: Warmup(-0.1, 5), "lr must be"),
    (lambda: OneCycle(0.1, 0), "total_steps must be an integer >= 1"),
    (lambda: OneCycle(0.1, 100, pct_start=1.5), r"pct_start must be a finite number in \[0, 1\]"),
    (lambda: OneCycle(0.1, 10, pct_start=0.1), "pct_start \\* total_steps = 1 leaves"),
    (lambda: OneCycle(0.1, 100, anneal="cosine"), "anneal must be 'cos' or 'linear'"),
    (lambda: OneCycle(0.1, 100, div_factor=0), "div_factor must be"),
    (lambda: ReduceOnPlateau(0.1, factor=1.0), r"factor must be a finite number in \(0, 1\)"),
    (lambda: ReduceOnPlateau(0.1, patience=-1), "patience must be an integer >= 0"),
    (lambda: ReduceOnPlateau(0.1, cooldown=1.5), "cooldown must be an integer >= 0"),
    (lambda: ReduceOnPlateau(0.1, threshold=-1e-4), "threshold must be"),
    (lambda: ReduceOnPlateau(0.1, min_lr=-1.0), "min_lr must be"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()
