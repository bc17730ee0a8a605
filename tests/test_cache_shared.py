"""The parsed-twin cache on a directory shared by several processes (issue 14).

- Three processes start together on the same model and an empty cache directory: one parses,
  the other two wait for its build lock and load its entry; all three hold identical twins,
  whose spaces and storeys match what ifcopenshell reads from the file directly; the directory
  ends with one complete entry and no temporary file.
- A reader polling the entry while another process rewrites it again and again only ever opens
  complete entries. The same reader against a writer that writes in place (no rename) does see
  partial files: the check can tell the difference.

The worker processes are this file run as a script (``python tests/test_cache_shared.py ...``).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
_MODEL = "PCERT_Building-Hvac.ifc"


def _summary(t: Any) -> dict[str, Any]:
    """What two loads of one model must agree on, as plain data."""
    elements = sorted((g, e.ifc_class) for g, e in t.elements.items())
    meshes = sorted((g, len(m.vertices)) for g, m in t.meshes.items())
    return {
        "sha": t.source.sha256,
        "spaces": sorted(t.spaces),
        "storeys": sorted(t.storeys),
        "elements": hashlib.sha256(repr(elements).encode()).hexdigest(),
        "n_elements": len(elements),
        "ports": len(t.ports),
        "connections": len(t.connections),
        "meshes": hashlib.sha256(repr(meshes).encode()).hexdigest(),
    }


def _race_worker(model: str, cache_dir: str, go: str) -> None:
    """Wait for ``go`` to exist, load ``model`` through the cache, print what happened."""
    import twin.ifc.build
    from twin.service.cache import load_twin

    built: list[str] = []
    real = twin.ifc.build.build_twin

    def counting(path: Path, **options: Any) -> Any:
        built.append(str(path))
        return real(path, **options)

    twin.ifc.build.build_twin = counting  # type: ignore[assignment]
    while not Path(go).exists():
        time.sleep(0.005)
    t = load_twin(Path(model), cache_dir=Path(cache_dir))
    print(json.dumps({"built": len(built), "summary": _summary(t)}))


def _writer(model: str, cache_dir: str, entry: str, times: int, mode: str) -> None:
    """Rewrite ``entry`` ``times`` times: through the cache's writer, or in place (``naive``)."""
    from twin.service import cache

    t = cache.load_twin(Path(model), cache_dir=Path(cache_dir))
    key = Path(entry).name.removesuffix(".twin.pkl")
    for _ in range(times):
        if mode == "atomic":
            cache._write(Path(entry), key, t)
        else:
            with Path(entry).open("wb") as fh:
                pickle.dump((key, t), fh, protocol=pickle.HIGHEST_PROTOCOL)


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args], cwd=REPO, stdout=subprocess.PIPE, text=True
    )


def test_processes_starting_together_parse_once(tmp_path: Path, shared_ifc: Path) -> None:
    import ifcopenshell

    model = shared_ifc / _MODEL
    cache_dir, go = tmp_path / "cache", tmp_path / "go"
    procs = [_spawn("race", str(model), str(cache_dir), str(go)) for _ in range(3)]
    time.sleep(1.5)  # let all three import and wait at the start line
    go.touch()
    outs = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        outs.append(json.loads(out.strip().splitlines()[-1]))

    assert sorted(o["built"] for o in outs) == [0, 0, 1], "not exactly one parse"
    first = outs[0]["summary"]
    assert all(o["summary"] == first for o in outs), "processes hold different twins"
    f = ifcopenshell.open(str(model))
    assert first["spaces"] == sorted(e.GlobalId for e in f.by_type("IfcSpace"))
    assert first["storeys"] == sorted(e.GlobalId for e in f.by_type("IfcBuildingStorey"))
    assert first["sha"] == hashlib.sha256(model.read_bytes()).hexdigest()
    files = sorted(p.name for p in cache_dir.iterdir())
    entries = [n for n in files if n.endswith(".twin.pkl")]
    assert len(entries) == 1 and not [n for n in files if n.endswith(".tmp")], files
    with (cache_dir / entries[0]).open("rb") as fh:
        assert pickle.load(fh)[0] == entries[0].removesuffix(".twin.pkl")


def _poll(entry: Path, writer: subprocess.Popen[str]) -> tuple[int, int]:
    """Open and unpickle ``entry`` until ``writer`` exits: (complete reads, partial reads)."""
    good = bad = 0
    while writer.poll() is None:
        try:
            with entry.open("rb") as fh:
                pickle.load(fh)
            good += 1
        except FileNotFoundError:
            continue
        except Exception:  # truncated: EOFError, UnpicklingError, ...
            bad += 1
    return good, bad


def test_a_reader_never_sees_a_partial_entry(tmp_path: Path, shared_ifc: Path) -> None:
    from twin.service.cache import cache_path, load_twin

    model = shared_ifc / _MODEL
    load_twin(model, cache_dir=tmp_path / "warm")  # the writers' own cold parse, done once
    entry = cache_path(model, tmp_path / "warm")

    atomic = _spawn("write", str(model), str(tmp_path / "warm"), str(entry), "40", "atomic")
    good, bad = _poll(entry, atomic)
    assert atomic.wait(60) == 0
    assert good > 0 and bad == 0, (good, bad)

    naive = _spawn("write", str(model), str(tmp_path / "warm"), str(entry), "40", "naive")
    _, naive_bad = _poll(entry, naive)
    assert naive.wait(60) == 0
    assert naive_bad > 0, "the reader cannot tell a partial entry: this check proves nothing"


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    role, *rest = sys.argv[1:]
    if role == "race":
        _race_worker(*rest)
    else:
        _writer(rest[0], rest[1], rest[2], int(rest[3]), rest[4])
