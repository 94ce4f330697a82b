"""The studio folder and studio.toml: created idempotently, errors that name the line."""

from __future__ import annotations

import pytest

from stylecore.studio.folder import Studio, StudioError, list_images


def test_init_creates_the_layout_and_is_idempotent(tmp_path):
    studio = Studio.init(tmp_path / "s")
    for name in ("contents", "styles", "renders", "exports", ".curator/thumbs", ".curator/logs"):
        assert (studio.root / name).is_dir()
    assert not studio.db_path.exists()  # the folder alone: the database comes with its stores
    studio.toml.write_text(studio.toml.read_text() + "\n# mine\n")
    Studio.init(tmp_path / "s")
    assert studio.toml.read_text().endswith("# mine\n")  # not overwritten


def test_curator_init_creates_the_database_too(tmp_path):
    from curator.service import StudioService

    studio = StudioService.create(tmp_path / "s")
    assert studio.db_path.exists()
    with StudioService(studio) as service:
        assert service.jobs() == [] and service.rows == []


def test_default_presets(tmp_path):
    config = Studio.init(tmp_path).config
    assert config.preset("preview").image_size == 256
    assert config.preset("final").num_iterations == 100
    assert config.preset("final").levels() == ((512, 100),)
    assert config.preset("final").init == "preview"
    assert config.preset("print").levels() == ((1024, 100),)  # from the preview: one level
    assert config.preset("print").replace(init="content").levels() == ((512, 100), (1024, 100))
    assert config.preset(None) == config.preset("final")


def test_broken_toml_names_the_line(tmp_path):
    studio = Studio.init(tmp_path)
    studio.toml.write_text("[defaults]\npreset = 'final'\n\n[presets.x\nimage_size = 3\n")
    with pytest.raises(StudioError, match=r"studio\.toml: .*line 4"):
        Studio.open(tmp_path).config  # noqa: B018


def test_unknown_setting_in_a_preset_names_its_line(tmp_path):
    studio = Studio.init(tmp_path)
    studio.toml.write_text("[presets.big]\nimage_size = 1024\ncolour = 'red'\n")
    with pytest.raises(StudioError, match=r"line 3: \[presets\.big\] unknown setting 'colour'"):
        Studio.open(tmp_path).config  # noqa: B018


def test_bad_value_in_a_preset(tmp_path):
    (tmp_path / "studio.toml").write_text("[presets.tiny]\nnum_iterations = 10\nimage_size = 2\n")
    with pytest.raises(StudioError, match=r"line 3: \[presets\.tiny\] image_size must be"):
        Studio.init(tmp_path)


def test_unknown_default_preset(tmp_path):
    (tmp_path / "studio.toml").write_text("[defaults]\npreset = 'huge'\n")
    with pytest.raises(StudioError, match="line 2: default preset 'huge' is not defined"):
        Studio.init(tmp_path)


def test_open_requires_a_studio(tmp_path):
    with pytest.raises(StudioError, match="not a studio"):
        Studio.open(tmp_path)
    with pytest.raises(StudioError, match="no such folder"):
        Studio.open(tmp_path / "missing")


def test_paths_inside_are_stored_relative(tmp_path, cat):
    studio = Studio.init(tmp_path)
    inside = studio.contents / "cat.png"
    inside.write_bytes(cat.read_bytes())
    assert studio.relative(inside) == "contents/cat.png"
    assert studio.relative(cat) == str(cat)
    assert studio.resolve("contents/cat.png") == inside


def test_list_images_skips_hidden_and_other_files(tmp_path):
    for name in ("b.png", "a.JPG", ".hidden.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in list_images(tmp_path)] == ["a.JPG", "b.png"]


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[defaults]\npresett = 'preview'\n", r"line 2: unknown key 'presett' in \[defaults\]"),
        ("[presetz.x]\nimage_size = 64\n", r"line 1: unknown table or key 'presetz'"),
        ("colour = 'red'\n", r"studio\.toml: unknown table or key 'colour'"),
        ("[presets.x]\nseed = 1e400\n", r"line 2: \[presets\.x\] seed: cannot read inf"),
        ("[presets.x]\nnum_iterations = inf\n", r"line 2: .*num_iterations: cannot read inf"),
        ("[presets.x]\nimage_size = 64.5\n", r"line 2: .*image_size: cannot read 64\.5"),
        ("[presets.x]\nseed = 99999999999999999999\n", r"seed must be 0\.\.9223372036854775807"),
        ("[defaults]\nmax_image_megapixels = 'big'\n", r"line 2: .*must be a number of"),
        ("[defaults]\nmax_image_megapixels = 0\n", r"line 2: .*must be a number above 0"),
        ("[presets]\nx = 3\n", r"line 2: preset 'x' must be a table"),
    ],
)
def test_every_studio_toml_mistake_is_named_with_its_line(tmp_path, toml, message):
    (tmp_path / "studio.toml").write_text(toml)
    with pytest.raises(StudioError, match=message):
        Studio.open(tmp_path).config  # noqa: B018


def test_an_unlocatable_key_never_says_line_0(tmp_path):
    (tmp_path / "studio.toml").write_text("presets.x.image_size = 3\n")
    with pytest.raises(StudioError) as raised:
        Studio.open(tmp_path).config  # noqa: B018
    assert "line 0" not in str(raised.value) and "image_size must be" in str(raised.value)
