"""Where a command writes (--out): checked before any work, refused rather than overwritten."""

from __future__ import annotations

import os
from pathlib import Path

from guidewatch.app import UserError


def _writable_folder(folder: Path, out: Path) -> None:
    if not folder.is_dir():
        raise UserError(f"--out {out}: the folder {folder} does not exist (create it first)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: cannot write in {folder} (permission denied)")


def file_out(out: Path, *, force: bool) -> Path:
    """Check a file to write: not a folder, in an existing writable folder, new unless force."""
    if out.is_dir():
        raise UserError(f"--out {out} is a folder: give a file name, such as {out / 'pack.zip'}")
    _writable_folder(out.parent if str(out.parent) else Path("."), out)
    if out.exists() and not force:
        raise UserError(f"--out {out} already exists: add --force to overwrite it")
    return out


def folder_out(out: Path, *, force: bool) -> Path:
    """Check a folder to write into: a folder or nothing yet, empty unless force."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file, not a folder")
    if out.is_dir():
        _writable_folder(out, out)
        if any(out.iterdir()) and not force:
            raise UserError(
                f"--out {out} already holds files: add --force to write over them, "
                "or choose an empty folder"
            )
    else:
        _writable_folder(out.parent if str(out.parent) else Path("."), out)
    return out


def write_failed(out: Path, error: OSError) -> UserError:
    """One line for a write that failed anyway (a full disk, a read-only file system)."""
    return UserError(f"could not write {out}: {error.strerror or error}")
