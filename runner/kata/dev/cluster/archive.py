"""The course as data for a Dask cluster: a digest-checked archive of kata.toml, exercises/ and checks/.

Never solutions/ or mistakes/. The same files give the same bytes and the same digest; a worker
unpacks an archive only into an empty folder, plain files only, nothing outside it, and only if
it matches its digest.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path, PurePosixPath
from typing import Iterator

ARCHIVED = ("kata.toml", "exercises", "checks", "hidden")  # what a course needs to grade; no solutions/, no mistakes/
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024  # the course, unpacked


def course_files(root: Path) -> list[tuple[str, Path]]:
    """The files a worker needs to grade with: (posix path relative to root, path), sorted."""
    root = Path(root)
    found = [("kata.toml", root / "kata.toml")] if (root / "kata.toml").is_file() else []
    for top in ARCHIVED[1:]:
        for path in (root / top).rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                found.append((rel.as_posix(), path))
    return sorted(found)


def digest_of(items: Iterator[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for rel, data in items:
        sha.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return sha.hexdigest()


def course_digest(root: Path) -> str:
    """One digest of the course's kata.toml, exercises/ and checks/, names and contents."""
    return digest_of((rel, path.read_bytes()) for rel, path in course_files(root))


def pack_course(root: Path) -> tuple[str, bytes]:
    """(digest, a gzipped tar of the course's files): the same bytes for the same files."""
    out = io.BytesIO()
    items = [(rel, path.read_bytes()) for rel, path in course_files(root)]
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for rel, data in items:
            info = tarfile.TarInfo(rel)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return digest_of(iter(items)), out.getvalue()


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (path.is_absolute() or "\\" in name or "\0" in name or not path.parts
            or any(p in ("", ".", "..") for p in path.parts) or path.parts[0] not in ARCHIVED
            or (path.parts[0] == "kata.toml") != (len(path.parts) == 1)):
        raise ValueError(f"the course archive holds {name!r}, which is not a course file")
    return path


def unpack_course(blob: bytes, digest: str, dest: Path) -> None:
    """Unpack `blob` into the empty folder `dest`: plain files under kata.toml, exercises/ and checks/
    only, nothing outside `dest`, and only if their digest is `digest`. Raises ValueError otherwise."""
    items: list[tuple[str, bytes]] = []
    total = 0
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar:
            if member.isdir():
                continue
            name = _safe_name(member.name)
            if not member.isreg():
                raise ValueError(f"the course archive holds {member.name!r}, which is not a plain file")
            total += member.size
            if total > MAX_ARCHIVE_BYTES:
                raise ValueError("the course archive unpacks to more than 64 MiB")
            handle = tar.extractfile(member)
            items.append((name.as_posix(), handle.read(member.size) if handle else b""))
    items.sort()
    if len({rel for rel, _ in items}) != len(items) or digest_of(iter(items)) != digest:
        raise ValueError("the course archive does not match its digest")
    for rel, data in items:
        target = dest.joinpath(*PurePosixPath(rel).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
