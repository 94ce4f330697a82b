"""Export for compositing: PSD and ORA stacks read back, XMP ratings, safety of names."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from PIL import Image

from curator.catalog import Catalog, Rating
from curator.cli import main
from curator.export import MANIFEST, ExportError, ExportOptions, export_renders, plan_export

from .studio_factory import make_studio

XMP = "{http://ns.adobe.com/xap/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DIGIKAM = "{http://www.digikam.org/ns/1.0/}"


@pytest.fixture
def studio(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=12)
    with Catalog(studio) as catalog:
        catalog.scan()
        rows = catalog.all()
        chelsea = [r for r in rows if r.content_name == "chelsea"]
        # chelsea's three renders: a 5-star pick, a 4-star, a reject.
        catalog.set_ratings(
            {chelsea[0].id: Rating(5, "pick", "green"), chelsea[1].id: Rating(4, "", "red"),
             chelsea[2].id: Rating(0, "reject", "")}
        )  # fmt: skip
    return studio


def rows_of(studio, content="chelsea"):
    with Catalog(studio) as catalog:
        return [catalog.get(r.id) for r in catalog.all() if r.content_name == content]


def test_psd_stack_reads_back(studio, tmp_path):
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out, base="none", order="rating"))
    from psd_tools import PSDImage

    original = Image.open(studio.contents / "chelsea.png")
    psd = PSDImage.open(out / "chelsea" / "chelsea.psd")
    assert psd.size == original.size
    names = [layer.name for layer in psd]  # bottom to top
    assert names[0] == "original chelsea"
    assert "5 stars pick (" in names[-1]  # best-rated on top
    assert "4 stars (" in names[-2]
    assert len(set(names)) == len(names)  # unique: GIMP would append #1 to a duplicate
    assert len(names) == 4
    for layer in psd:
        assert layer.size == original.size and layer.offset == (0, 0)
    assert all(name.isascii() for name in names)  # Mac Roman-safe
    top_pixels = psd[-1].composite().convert("RGB")
    exported = Image.open(out / "chelsea" / f"{rows_of(studio)[0].file[:-4]}.png")
    assert top_pixels.tobytes() == exported.convert("RGB").tobytes()


def test_renders_are_resized_to_the_original(studio, tmp_path):
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out, psd=False, ora=False))
    original = Image.open(studio.contents / "chelsea.png").size
    renders = [p for p in (out / "chelsea").glob("*.png") if "__" in p.name]
    assert len(renders) == 3 and {Image.open(p).size for p in renders} == {original}
    assert (out / "chelsea" / "chelsea.png").read_bytes() == (
        studio.contents / "chelsea.png"
    ).read_bytes()  # the original, untouched


def test_ora_is_valid_openraster(studio, tmp_path):
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out))
    original = Image.open(studio.contents / "chelsea.png").size
    with zipfile.ZipFile(out / "chelsea" / "chelsea.ora") as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"image/openraster"
        root = ElementTree.fromstring(archive.read("stack.xml"))
        assert root.tag == "image" and (int(root.get("w")), int(root.get("h"))) == original
        layers = root.find("stack").findall("layer")
        assert [layer.get("name") for layer in layers][-1] == "original chelsea"  # bottom last
        assert "5 stars pick" in layers[0].get("name")  # top first
        for layer in layers:
            with Image.open(archive.open(layer.get("src"))) as image:
                image.load()
                assert image.size == original
        for extra in ("mergedimage.png", "Thumbnails/thumbnail.png"):
            Image.open(archive.open(extra)).load()


def test_xmp_sidecars(studio, tmp_path):
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out))
    values = {}
    for path in (out / "chelsea").glob("*.png.xmp"):
        description = ElementTree.parse(path).getroot().find(f"{RDF}RDF/{RDF}Description")
        values[path.name] = (
            description.get(f"{XMP}Rating"), description.get(f"{XMP}Label"),
            description.get(f"{DIGIKAM}PickLabel"),
        )  # fmt: skip
    assert sorted(values.values()) == [("-1", "", "1"), ("4", "Red", "0"), ("5", "Green", "3")]


def test_exiftool_reads_the_ratings(studio, tmp_path):
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out))
    sidecars = sorted((out / "chelsea").glob("*.png.xmp"))
    done = subprocess.run(
        ["exiftool", "-j", "-XMP:Rating", "-XMP:Label", "-XMP:PickLabel", *map(str, sidecars)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    read = sorted((item.get("Rating"), item.get("Label", "")) for item in json.loads(done.stdout))
    assert read == [(-1, ""), (4, "Red"), (5, "Green")]


def test_manifest(studio, tmp_path):
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out))
    manifest = json.loads((out / "manifest.json").read_text())
    [entry] = manifest["contents"]
    assert entry["original"] == "chelsea/chelsea.png" and entry["psd"] == "chelsea/chelsea.psd"
    jobs = {r["job_id"] for r in entry["renders"]}
    assert jobs == {r.job_id for r in rows_of(studio)}
    assert entry["renders"][0]["stars"] == 5 and entry["renders"][0]["settings"]["image_size"] == 64


def test_nothing_is_overwritten_without_force(studio, tmp_path):
    """Files an earlier export wrote, unchanged since, are ours to rewrite; anything else (a
    PSD the artist has worked on since, a file of their own) needs --force."""
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out))
    plan_export(studio, rows_of(studio), ExportOptions(out))  # our own files: no conflict
    psd = next(out.glob("*/*.psd"))
    psd.write_bytes(psd.read_bytes() + b"painted on")
    with pytest.raises(ExportError, match=r"\.psd: exists \(1 file\(s\) would be .* --force"):
        plan_export(studio, rows_of(studio), ExportOptions(out))
    export_renders(studio, rows_of(studio), ExportOptions(out, force=True))
    (out / MANIFEST).unlink()  # no manifest of ours: nothing there is known to be ours
    with pytest.raises(ExportError, match="use --force"):
        plan_export(studio, rows_of(studio), ExportOptions(out))


def test_hostile_names_stay_inside(studio, tmp_path):
    evil = studio.contents / "..\x07evil -- name;rm -rf.png"
    shutil.copy(studio.contents / "coffee.png", evil)
    (studio.renders / "..__..__\x1b[31mred.png").write_bytes((studio.renders / next(
        p.name for p in studio.renders.glob("coffee__*.png"))).read_bytes())  # fmt: skip
    with Catalog(studio) as catalog:
        catalog.scan()
        rows = [catalog.get(r.id) for r in catalog.all()]
    rows = [r._replace(content=studio.relative(evil)) for r in rows if "coffee" in r.content]
    rows += [r._replace(content="contents/" + evil.name) for r in rows_of(studio)]
    out = tmp_path / "out"
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    export_renders(studio, rows, ExportOptions(out))
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in before]
    assert len(written) > 10
    assert all(p.resolve().is_relative_to(out.resolve()) for p in written)
    assert all(name.isprintable() for p in written for name in p.relative_to(out).parts)


def test_outside_paths_are_refused(studio, tmp_path):
    from curator.export import _inside

    with pytest.raises(ExportError, match="outside"):
        _inside(tmp_path / "out" / ".." / "elsewhere.png", tmp_path / "out")


def test_cli_export_defaults_to_picks_and_four_stars(studio, tmp_path, capsys):
    out = tmp_path / "exported"
    assert main(["export", str(studio.root), "-o", str(out), "--dry-run"]) == 0
    listing = capsys.readouterr().out
    assert "would write" in listing and not out.exists()
    assert main(["export", str(studio.root), "-o", str(out)]) == 0
    assert "exported 2 render(s) of 1 photo(s)" in capsys.readouterr().out
    assert main(["export", str(studio.root), "-o", str(out)]) == 0  # rewrites its own files
    capsys.readouterr()
    (out / "manifest.json").write_text("{}")  # not ours any more
    assert main(["export", str(studio.root), "-o", str(out)]) == 2
    assert "use --force" in capsys.readouterr().err
    assert main(["export", str(studio.root), "-o", str(tmp_path / "b"), "--rejected"]) == 0
    assert "exported 1 render(s)" in capsys.readouterr().out


@pytest.mark.parametrize("name", [MANIFEST, "chelsea/x.png.xmp", "chelsea"])
@pytest.mark.parametrize("dangling", [True, False])
def test_no_write_goes_through_a_link(studio, tmp_path, name, dangling):
    """A link named like a file the export writes (the manifest, a sidecar) or like a photo's
    folder, in the destination, pointing outside: refused, with or without --force, and the
    outside file is untouched."""
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    victim = outside / "victim"
    if not dangling:
        victim.write_text("precious")
    rows = rows_of(studio)
    plan = plan_export(studio, rows, ExportOptions(tmp_path / "probe"), check=False)
    first = plan.groups[0]
    real = {
        MANIFEST: out / MANIFEST,
        "chelsea/x.png.xmp": out / first.folder.name / (first.files[1].name + ".xmp"),
        "chelsea": out / first.folder.name,
    }[name]
    real.parent.mkdir(parents=True, exist_ok=True)
    real.symlink_to(victim if name != "chelsea" else outside, target_is_directory=name == "chelsea")
    for force in (False, True):
        with pytest.raises(ExportError, match=r"symbolic link|outside"):
            export_renders(studio, rows, ExportOptions(out, force=force))
    assert (victim.read_text() == "precious") if not dangling else not victim.exists()
    assert list(outside.iterdir()) == ([victim] if not dangling else [])


def test_an_export_into_the_studio_s_own_folders_is_refused(studio):
    for folder in (studio.renders, studio.contents, studio.styles / "sub"):
        with pytest.raises(ExportError, match=r"is the studio's (renders|contents|styles)/"):
            plan_export(studio, rows_of(studio), ExportOptions(folder))


def test_the_artists_stack_original_base_then_broad_to_detailed_with_masks(studio, tmp_path):
    import numpy as np
    from psd_tools import PSDImage

    out = tmp_path / "out"
    _, manifest = export_renders(studio, rows_of(studio), ExportOptions(out))
    psd = PSDImage.open(out / "chelsea" / "chelsea.psd")
    layers = list(psd.descendants())
    names = [layer.name for layer in layers if not layer.is_group()]
    assert names[:2] == ["original chelsea", "base (painterly)"]
    entry = manifest["contents"][0]
    details = [item["detail"] for item in entry["stack"][2:]]
    assert details == sorted(details) and len(details) == 3  # broad at the bottom
    assert [item["mask"] for item in entry["stack"][2:]] == ["black", "black", "white"]
    size = Image.open(studio.contents / "chelsea.png").size
    renders = [layer for layer in layers if not layer.is_group()][2:]
    for layer in renders:
        assert layer.mask is not None and layer.mask.size == size
    masks = [np.asarray(layer.mask.topil()) for layer in renders]
    assert masks[-1].min() == 255 and all(m.max() == 0 for m in masks[:-1])
    # The base is masked so the photo shows through on its detail.
    base = next(layer for layer in layers if layer.name == "base (painterly)")
    base_mask = np.asarray(base.mask.topil())
    assert base_mask.min() < 128 < base_mask.max()
    assert all(r["detail"] is not None for r in entry["renders"])
    # OpenRaster has no masks: the hidden renders are hidden layers there.
    with zipfile.ZipFile(out / "chelsea" / "chelsea.ora") as archive:
        stack_xml = archive.read("stack.xml").decode()
    assert stack_xml.count('visibility="hidden"') == 2


def test_subject_masks_reveal_detail_on_the_subject(studio, tmp_path):
    import numpy as np
    from psd_tools import PSDImage

    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out, masks="subject", base="none"))
    psd = PSDImage.open(out / "chelsea" / "chelsea.psd")
    renders = [layer for layer in psd.descendants() if not layer.is_group()][1:]
    masks = [np.asarray(layer.mask.topil(), dtype=float) for layer in renders]
    for mask in masks:
        assert 0 < mask.mean() < 255 and mask.min() < mask.max()  # neither white nor black
    assert np.abs(masks[-1] + masks[0] - 255).mean() < 8  # detailed and broad: complements


def test_several_renders_of_one_style_are_grouped(studio, tmp_path):
    from psd_tools import PSDImage

    out = tmp_path / "out"
    twin = rows_of(studio, "chelsea")[0]  # a second render of its style, as a rerun makes
    copy = studio.renders / twin.file.replace("chelsea__", "chelsea__twin_")
    shutil.copy(studio.renders / twin.file, copy)
    shutil.copy((studio.renders / twin.file).with_suffix(".json"), copy.with_suffix(".json"))
    with Catalog(studio) as catalog:
        catalog.scan()
    export_renders(studio, rows_of(studio, "chelsea"), ExportOptions(out, base="none"))
    psd = PSDImage.open(out / "chelsea" / "chelsea.psd")
    groups = [layer for layer in psd if layer.is_group()]
    assert len(groups) == 1 and len(list(groups[0])) == 2
    assert all(layer.name.isascii() for layer in psd.descendants())


def test_the_destination_is_refused_before_anything_is_chosen(studio, capsys):
    """Even with nothing to export, `-o renders/` is named as the problem: it is the one the
    artist must fix, and the first one to check."""
    assert main(["export", str(studio.root), "-o", str(studio.renders), "--stars", "5"]) == 2
    assert "is the studio's renders/ folder" in capsys.readouterr().err


def test_a_damaged_render_is_skipped_listed_and_the_rest_exported(studio, tmp_path):
    rows = rows_of(studio)
    victim = studio.renders / rows[0].file
    victim.write_bytes(victim.read_bytes()[:200])  # truncated
    out = tmp_path / "out"
    manifest = export_renders(studio, rows, ExportOptions(out))[1]
    assert manifest["complete"] is True
    assert [f["source"] for f in manifest["failed"]] == [rows[0].file]
    assert "damaged or truncated" in manifest["failed"][0]["error"]
    exported = [r["source"] for c in manifest["contents"] for r in c["renders"]]
    assert sorted(exported) == sorted(r.file for r in rows[1:])
    assert all((out / c["psd"]).exists() for c in manifest["contents"])
    # The rerun needs no --force for what it wrote itself.
    export_renders(studio, rows, ExportOptions(out))


def test_a_dry_run_always_shows_the_plan(studio, tmp_path, capsys):
    out = tmp_path / "out"
    export_renders(studio, rows_of(studio), ExportOptions(out))
    psd = next(out.glob("*/*.psd"))
    psd.write_bytes(b"worked on in Photoshop")
    capsys.readouterr()
    assert main(["export", str(studio.root), "-o", str(out), "--dry-run", "--stars", "0"]) == 0
    listing = capsys.readouterr().out
    assert f"{psd}  (exists: needs --force)" in listing
    assert "1 exist already and need --force" in listing
    assert psd.read_bytes() == b"worked on in Photoshop"
