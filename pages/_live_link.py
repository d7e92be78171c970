"""The Activations page's live settings in its URL: ``?live=1&model=mlp&arms=none,bnviz,bnviz-after&depth=10``
opens the live controls set that way (the run starts when the reader presses Start). Not a page.

Only the settings that differ from the model's defaults are written, each as the page's own widget offers it;
a value the widget does not offer, an unknown arm or a combination that cannot train falls back to the
defaults and is named in a message.
"""

from __future__ import annotations

from bnviz.live import choices, settings
from pages import _live_controls as C

NUMBER_OPTIONS = {  # knob -> the values its widget offers (other knobs: their own checks below)
    "width": C.WIDTHS,
    "momentum": C.MOMENTA,
    "dropout": C.DROPOUTS,
    "norm_momentum": C.NORM_MOMENTA,
    "norm_eps": C.EPSILONS,
    "init_std": choices.INIT_STDS,
}


def _arm_text(a: choices.ArmChoice) -> str:
    return a.norm if a.position == "before" or a.norm == "none" else f"{a.norm}-after"


def _value_text(v) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, tuple):
        return "-".join(map(str, v))
    return f"{v:g}" if isinstance(v, float) else str(v)


KEYS = ("live", "model", "arms", "seed", "steps", "synthetic", *choices.KNOBS)


def to_params(model: str, seed: int, steps: int, arms, knobs: dict, synthetic: bool) -> dict[str, str]:
    d = choices.defaults(model)
    out = {"live": "1", "model": model, "arms": ",".join(_arm_text(choices.arm_of_choice(a)) for a in arms)}
    if seed:
        out["seed"] = str(seed)
    if steps != choices.CHOICES[model].steps:
        out["steps"] = str(steps)
    if synthetic:
        out["synthetic"] = "1"
    out |= {k: _value_text(v) for k, v in knobs.items() if k in choices.KNOBS and v != d.get(k)}
    return out


def _number(text: str, options) -> float | None:
    """``text`` as the option of ``options`` it names, or raise ValueError."""
    for o in options:
        if _value_text(o) == text:
            return o
    raise ValueError(f"choose one of {', '.join(_value_text(o) for o in options)}")


def parse(params: dict[str, str]) -> tuple[dict | None, list[str]]:
    """(the widget settings a ``live=1`` link asks for, or None; a message per part it could not use)."""
    if params.get("live") != "1":
        return None, []
    ignored: list[str] = []
    model = params.get("model", "mlp")
    if model not in choices.CHOICES:
        return None, [f"model={model} (choose one of {', '.join(choices.CHOICES)})"]
    choice, knobs = choices.CHOICES[model], choices.defaults(model)
    offered = {_arm_text(a): a for a in choices.arm_choices()}
    arms = [offered[t] for t in params.get("arms", "").split(",") if t in offered][: choices.MAX_ARMS]
    if "arms" in params and not arms:
        ignored.append(f"arms={params['arms']} (name arms such as none, bnviz, bnviz-after)")
    arms = arms or list(choices.DEFAULT_ARMS)

    def take(key: str, read) -> None:
        if key in params:
            try:
                knobs[key] = read(params[key])
            except ValueError as e:
                ignored.append(f"{key}={params[key]} ({e})")

    for key, options in NUMBER_OPTIONS.items():
        take(key, lambda t, o=options: _number(t, o))
    lrs = choice.lrs if params.get("optimizer", knobs["optimizer"]) == "sgd" else choice.adam_lrs
    take("lr", lambda t: _number(t, lrs))
    take("optimizer", lambda t: _number(t, ("sgd", "adam")))
    take("activation", lambda t: _number(t, tuple(choices.NONLINEARITY)))
    take("depth", lambda t: _number(t, range(1, C.MAX_DEPTH + 1)))
    take("batch_size", lambda t: _number(t, range(1, 1001)))
    take("channels", lambda t: _number(t, C.CHANNELS))
    take("affine", lambda t: _number(t, (True, False)))
    seed = steps = None
    try:
        seed = int(_number(params.get("seed", "0"), range(0, 10000)))
        steps = int(_number(params.get("steps", str(choice.steps)), range(choice.min_steps, choice.max_steps + 1)))
    except ValueError:
        ignored.append("seed or steps out of the page's range")
    seed, steps = seed or 0, steps or choice.steps
    synthetic = params.get("synthetic") == "1"
    try:
        lr, init_std = knobs["lr"], knobs["init_std"]
        rest = {k: v for k, v in knobs.items() if k not in ("lr", "init_std")}
        settings.live_configs(model, arms, seed, steps, lr, init_std if model == "mlp" else None, synthetic, **rest)
    except settings.SettingsError as e:
        ignored.append(f"these settings cannot train: {e}; the defaults instead")
        knobs = choices.defaults(model)
    return {"model": model, "arms": arms, "steps": steps, "seed": seed, "knobs": knobs, "synthetic": synthetic}, ignored
