"""Structured config: the schema of every group, and start-up validation.

Hydra checks types and unknown keys against these dataclasses as it composes;
`validate` then checks ranges and cross-field rules once, before any work.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from agents.clients.spec import BACKENDS, ModelSpec
from agents.conditions import PERSONA_FIELDS, Condition
from agents.prompts import template_fields
from agents.user_simulator import (
    INSTRUCTION_FIELDS,
    LADDER_FIELDS,
    MODES,
    PushbackLevel,
)
from simulator.errors import ConfigError

STRATEGIES = ("complete", "random", "small_world", "divergence")


@dataclass
class PopulationConfig:
    """Who is simulated: `conf/population/*.yaml`."""

    source: str = "sampled"
    size: int = 8
    bio: str = "template"
    bio_prompt: str = ""
    stance_source: str = "builtin"
    stance_path: str | None = None
    issues: int | None = None
    stance_prob: float = 0.5
    path: str | None = None
    stratify_by: str | None = None
    draw_missing: bool = True


@dataclass
class NetworkConfig:
    """Who meets whom: `conf/network/*.yaml`."""

    strategy: str = "divergence"
    pairs: int | None = 4
    k: int = 4
    p: float = 0.1


@dataclass
class PushbackConfig:
    """The user simulator's escalation ladder: `conf/pushback/*.yaml`."""

    name: str = "ladder"
    mode: str = "template"
    stop_at_fold: bool = True
    expert: str = "specialist in this field"
    levels: list[PushbackLevel] = field(default_factory=list)
    user_system: str = ""
    user_instruction: str = ""
    temperature: float = 0.8
    max_tokens: int = 60


@dataclass
class ItemsConfig:
    """Which items an experiment asks: the shipped bank or `items.path`."""

    path: str | None = None
    format: str = "auto"
    limit: int | None = None
    sample_seed: int = 0


@dataclass
class RunConfig:
    """How a run executes: seed, concurrency, cache, budgets."""

    seed: int = 0
    concurrency: int = 4
    cache: bool = True
    cache_dir: str | None = None
    progress: bool = True
    max_failure_rate: float = 0.5
    embedder: str = "minilm"
    log_requests: bool = False
    resume: bool = False
    max_calls: int | None = None
    max_tokens: int | None = None
    adaptive_concurrency: bool = True


@dataclass
class FrictionConfig:
    """The root config. `experiment` is checked by the experiment's own schema."""

    model: ModelSpec = field(default_factory=ModelSpec)
    judge: ModelSpec = field(default_factory=lambda: ModelSpec(backend="same"))
    population: PopulationConfig = field(default_factory=PopulationConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    run: RunConfig = field(default_factory=RunConfig)
    condition: Condition = field(default_factory=Condition)
    pushback: PushbackConfig = field(default_factory=PushbackConfig)
    items: ItemsConfig = field(default_factory=ItemsConfig)
    experiment: Any = MISSING


def register_schemas() -> None:
    """Put the root schema in Hydra's ConfigStore as `friction_schema`."""
    ConfigStore.instance().store(name="friction_schema", node=FrictionConfig)


def _check(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError(key, value, allowed)


def validate(cfg: DictConfig) -> None:
    """Check ranges and cross-field rules of the composed config.

    Raises:
        ConfigError: naming the key, the value found and what is allowed.
    """
    _validate_model(cfg.model, "model", allow_same=False)
    _validate_model(cfg.judge, "judge", allow_same=True)
    _validate_population(cfg.population)
    _validate_network(cfg.network, cfg.population.size)
    _validate_condition(cfg.condition)
    _validate_pushback(cfg.pushback)
    _validate_items(cfg["items"])  # cfg.items is the dict method
    run = cfg.run
    _check(
        run.embedder in ("minilm", "hashing"),
        "run.embedder",
        run.embedder,
        "minilm (all-MiniLM-L6-v2), or hashing (tests and dry runs only)",
    )
    _check(run.concurrency >= 1, "run.concurrency", run.concurrency, "an integer >= 1")
    for key in ("max_calls", "max_tokens"):
        value = run[key]
        _check(value is None or value >= 1, f"run.{key}", value, "null or >= 1")
    _check(
        0.0 <= run.max_failure_rate <= 1.0,
        "run.max_failure_rate",
        run.max_failure_rate,
        "a number in [0, 1]",
    )


def _validate_model(spec: DictConfig, key: str, allow_same: bool) -> None:
    backends = (*BACKENDS, "same") if allow_same else BACKENDS
    _check(
        spec.backend in backends,
        f"{key}.backend",
        spec.backend,
        f"one of {', '.join(backends)} (conf/{key}/)",
    )
    if spec.backend == "embedded":
        _check(spec.parts >= 1, f"{key}.parts", spec.parts, "an integer >= 1")
        _check(
            len(spec.sha256) == 64,
            f"{key}.sha256",
            spec.sha256,
            "a 64-character hex sha256",
        )
        _check(spec.n_ctx >= 1024, f"{key}.n_ctx", spec.n_ctx, "an integer >= 1024")
        _check(
            spec.chat_format in ("gguf", "chatml-strict"),
            f"{key}.chat_format",
            spec.chat_format,
            "gguf (the model's own template) or chatml-strict",
        )
    if spec.backend == "openai":
        _check(bool(spec.name), f"{key}.name", spec.name, "the endpoint's model name")
        _check(spec.timeout_s > 0, f"{key}.timeout_s", spec.timeout_s, "a number > 0")
        _check(
            spec.max_retries >= 0,
            f"{key}.max_retries",
            spec.max_retries,
            "an integer >= 0",
        )


def _validate_population(pop: DictConfig) -> None:
    _check(
        pop.source in ("sampled", "file"),
        "population.source",
        pop.source,
        "sampled or file",
    )
    _check(pop.size >= 2, "population.size", pop.size, "an integer >= 2")
    _check(pop.bio in ("template", "llm"), "population.bio", pop.bio, "template or llm")
    _check(
        pop.stance_source in ("builtin", "pobs"),
        "population.stance_source",
        pop.stance_source,
        "builtin or pobs",
    )
    _check(
        0.0 <= pop.stance_prob <= 1.0,
        "population.stance_prob",
        pop.stance_prob,
        "a probability in [0, 1]",
    )
    if pop.issues is not None:
        _check(pop.issues >= 1, "population.issues", pop.issues, "null or >= 1")
    if pop.stance_source == "pobs":
        _check_file("population.stance_path", pop.stance_path, "a POBS JSON file")
    if pop.source == "file":
        _check_file("population.path", pop.path, "a parquet or JSONL persona file")
    check_template(
        "population.bio_prompt",
        pop.bio_prompt,
        PERSONA_FIELDS,
        required=pop.bio == "llm",
    )


def _check_file(key: str, path: str | None, what: str) -> None:
    _check(path is not None, key, path, f"the path of {what}")
    _check(os.path.isfile(str(path)), key, path, f"an existing file ({what})")


def _validate_network(net: DictConfig, population_size: int) -> None:
    _check(
        net.strategy in STRATEGIES,
        "network.strategy",
        net.strategy,
        f"one of {', '.join(STRATEGIES)} (conf/network/)",
    )
    possible = population_size * (population_size - 1) // 2
    if net.strategy in ("random", "divergence"):
        _check(
            net.pairs is not None and 1 <= net.pairs <= possible,
            "network.pairs",
            net.pairs,
            f"an integer from 1 to {possible} (all pairs of population.size="
            f"{population_size})",
        )
    if net.strategy == "small_world":
        _check(
            2 <= net.k < population_size and net.k % 2 == 0,
            "network.k",
            net.k,
            f"an even integer from 2 to {population_size - 1}",
        )
        _check(0.0 <= net.p <= 1.0, "network.p", net.p, "a probability in [0, 1]")


def _validate_condition(node: Any, prefix: str = "condition") -> None:
    condition = OmegaConf.to_object(node) if isinstance(node, DictConfig) else node
    assert isinstance(condition, Condition)
    if condition.system is not None:
        # Condition.problems reads the fields, so the braces must parse first.
        check_template(
            f"{prefix}.system", condition.system, PERSONA_FIELDS, required=False
        )
    problems = condition.problems()
    if problems:
        key, value, allowed = problems[0]
        key = prefix + key.removeprefix("condition")
        raise ConfigError(key, value, f"{allowed} (conf/condition/)")


def _validate_pushback(push: Any, prefix: str = "pushback") -> None:
    _check(
        push.mode in MODES,
        f"{prefix}.mode",
        push.mode,
        f"one of {', '.join(MODES)}",
    )
    _check(len(push.levels) >= 1, f"{prefix}.levels", push.levels, "at least 1 level")
    for index, level in enumerate(push.levels):
        key = f"{prefix}.levels[{index}]"
        _check(bool(level.name), f"{key}.name", level.name, "a non-empty label")
        check_template(f"{key}.template", level.template, LADDER_FIELDS)
        if push.mode == "llm":
            _check(
                bool(level.pressure.strip()),
                f"{key}.pressure",
                level.pressure,
                "a description of the pressure (needed by pushback.mode=llm)",
            )
    # The writer's prompts are used only by mode=llm, but checked always.
    llm = push.mode == "llm"
    check_template(
        f"{prefix}.user_system", push.user_system, LADDER_FIELDS, required=llm
    )
    check_template(
        f"{prefix}.user_instruction",
        push.user_instruction,
        INSTRUCTION_FIELDS,
        required=llm,
    )
    _check(
        0.0 <= push.temperature <= 2.0,
        f"{prefix}.temperature",
        push.temperature,
        "a number in [0, 2]",
    )
    _check(push.max_tokens >= 1, f"{prefix}.max_tokens", push.max_tokens, ">= 1")


def check_template(
    key: str, template: str, fields: Sequence[str], required: bool = True
) -> None:
    """Check that `template` uses only `fields` (and is not empty, if `required`).

    Raises:
        ConfigError: naming `key`, the unknown fields and the allowed ones.
    """
    _check(
        not required or bool(template.strip()), key, template, "a non-empty template"
    )
    allowed = (
        f"template fields among {', '.join(fields)}" if fields else "no template fields"
    )
    literal = "write a literal brace as {{ or }}"
    try:
        unknown = template_fields(template) - set(fields)
    except ValueError as err:
        raise ConfigError(key, template, f"{allowed} ({err}; {literal})") from None
    _check(
        not unknown,
        key,
        "{" + "}, {".join(sorted(unknown)) + "}",
        f"{allowed} ({literal})",
    )


def validate_templates(config: Any) -> None:
    """Check every template of an experiment's config against its fields.

    The templates are `config.prompts` (its schema's `TEMPLATE_FIELDS`, see
    `simulator.experiments.base.TemplateFields`) and, when the experiment
    takes them as its own keys, `config.condition` and `config.pushback`.
    Called at start-up, before any model call or file.

    Raises:
        ConfigError: a template uses a field its key does not offer.
        TypeError: a prompts schema does not declare a field of its own.
    """
    prompts = getattr(config, "prompts", None)
    if prompts is not None:
        _check_prompts(prompts, "experiment.prompts")
    if isinstance(getattr(config, "condition", None), Condition):
        _validate_condition(config.condition, "experiment.condition")
    if isinstance(getattr(config, "pushback", None), PushbackConfig):
        _validate_pushback(config.pushback, "experiment.pushback")


def _check_prompts(prompts: Any, prefix: str) -> None:
    declared = getattr(type(prompts), "TEMPLATE_FIELDS", None)
    if declared is None:
        raise TypeError(f"{type(prompts).__name__} has no TEMPLATE_FIELDS")
    for name in (f.name for f in dataclasses.fields(prompts)):
        if name not in declared:
            raise TypeError(
                f"{type(prompts).__name__}.TEMPLATE_FIELDS does not declare {name}"
            )
        fields, value = declared[name], getattr(prompts, name)
        if fields is None:
            continue  # plain text, never rendered
        values = value if isinstance(value, dict) else {None: value}
        for entry, template in values.items():
            key = f"{prefix}.{name}" + ("" if entry is None else f".{entry}")
            check_template(key, template, fields, required=False)


def _validate_items(items: DictConfig) -> None:
    from agents.items import FORMATS

    _check(
        items.format in ("auto", *FORMATS),
        "items.format",
        items.format,
        f"auto or one of {', '.join(FORMATS)}",
    )
    if items.limit is not None:
        _check(items.limit >= 1, "items.limit", items.limit, "null (all) or >= 1")
    if items.path is not None:
        _check_file("items.path", items.path, "an item file")


def experiment_config(cfg: DictConfig, schema: type) -> Any:
    """Merge `cfg.experiment` into the experiment's own dataclass schema.

    Interpolations are resolved against the root first, so an experiment may
    take a root group as one of its keys (`condition: ${condition}`).

    Raises:
        ConfigError: an unknown key or a value of the wrong type.
    """
    from omegaconf.errors import OmegaConfBaseException

    try:
        values = OmegaConf.to_container(cfg.experiment, resolve=True)
        merged = OmegaConf.merge(OmegaConf.structured(schema), values)
    except OmegaConfBaseException as err:
        key = f"experiment.{err.full_key}" if err.full_key else "experiment"
        raise ConfigError(
            key,
            err.msg if hasattr(err, "msg") else err,
            f"see conf/experiment/{cfg.experiment.name}.yaml",
        ) from None
    return OmegaConf.to_object(merged)
