"""Nicknames: deterministic from the id, re-drawn on collision, unique across the store."""

import subprocess
import sys

import pytest

from pipeline.cli import main
from pipeline.store import Resource, Store
from pipeline.store.nicknames import assign, draw, duplicates, icon, icon_of, word_lists


def test_same_id_same_nickname_in_a_fresh_interpreter():
    code = "from pipeline.store.nicknames import draw; print(draw('10.5281/zenodo.5764892')[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}, check=True)
    assert out.stdout.strip() == draw("10.5281/zenodo.5764892")[0]


def test_nickname_is_adjective_animal_from_coolname():
    adjectives, animals = word_lists()
    for rid in ["10.5281/zenodo.1", "ilastik/unet", "x"]:
        adjective, animal = draw(rid)[0].split("-", 1)
        assert adjective in adjectives and animal in animals
    assert len({draw(f"id{i}")[0] for i in range(200)}) > 190


@pytest.mark.parametrize(("animal", "emoji"), [("dolphin", "🐬"), ("fox", "🦊"), ("owl", "🦉"), ("tarantula", "🕷"),
                                               ("hawk", "🦅"), ("capuchin", "🐒"), ("adder", "🐍"), ("unicornfish", "🐾")])
def test_icons(animal, emoji):
    assert icon(animal) == emoji


def test_every_animal_coolname_draws_has_an_icon_of_its_own_or_a_relatives():
    from pipeline.store.animal_icons import BY_ANIMAL, FALLBACK

    animals = word_lists()[1]
    assert all(icon(a) and icon(a) != FALLBACK for a in animals)
    assert set(BY_ANIMAL) <= set(animals)  # the table names no animal coolname does not draw
    assert icon_of("thick-oxpecker") == "🐦" and icon_of("") == ""


def test_collision_redraws_deterministically():
    first, _ = draw("10.5281/zenodo.1")
    second, _ = draw("10.5281/zenodo.1", 1)
    assert assign("10.5281/zenodo.1", set()) == draw("10.5281/zenodo.1")
    assert assign("10.5281/zenodo.1", {first})[0] == second != first


def _res(rid, nickname, status="accepted"):
    return Resource(id=rid, type="model", source="zenodo", nickname=nickname, status=status, versions=[])


def test_duplicates_are_among_accepted_resources_only():
    # the paper-era store has accepted resources whose nickname a long-blocked one holds too
    found = duplicates([_res("a", "calm-cat"), _res("b", "calm-cat", "blocked"), _res("c", "bold-bat"),
                        _res("d", "bold-bat")])
    assert found == {"bold-bat": ["c", "d"]}


def test_check_nicknames_command(tmp_path, capsys):
    store = Store(tmp_path)
    store.put(_res("a", "calm-cat"))
    store.put(_res("c", "bold-bat"))
    assert main(["check-nicknames", "--store", str(tmp_path)]) == 0
    store.put(_res("b", "calm-cat", "blocked"))
    assert main(["check-nicknames", "--store", str(tmp_path)]) == 0
    store.put(_res("e", "calm-cat"))
    store.put(_res("d", ""))
    store.put(Resource(id="lab/x", type="model", source="partner:lab", versions=[]))  # partners need none
    assert main(["check-nicknames", "--store", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "duplicate nickname 'calm-cat': a, e" in out and "no nickname: d" in out and "lab/x" not in out


def test_harvest_never_reuses_a_blocked_resources_nickname(tmp_path):
    from pipeline.sources import harvesting
    from pipeline.sources.harvesting import HarvestConfig

    harvesting.run(HarvestConfig("examples/zenodo", None, tmp_path))
    store = Store(tmp_path)
    rid = store.ids()[0]
    victim = store.get(rid)
    nickname = victim.nickname
    # Pretend another, blocked resource already holds the nickname the first would draw.
    blocked = _res("blocked/holder", draw(rid)[0], "blocked")
    for r in list(store.resources()):
        (tmp_path / r.id / "resource.yaml").unlink()
    store.put(blocked)
    harvesting.run(HarvestConfig("examples/zenodo", None, tmp_path))
    assert store.get(rid).nickname == draw(rid, 1)[0] != blocked.nickname
    assert nickname == draw(rid)[0]
    assert duplicates(store.resources()) == {}
