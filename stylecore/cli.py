"""`stylecore`: render one image from the command line (and, later, image statistics).

Errors print one line, `error: FILE: problem`, and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stylecore.errors import SettingsError, StyleCoreError
from stylecore.settings import (
    INITS,
    OPTIMIZERS,
    ORIGINAL_COLORS,
    PADDINGS,
    POOLINGS,
    PRECISIONS,
    RenderSettings,
)

from . import __version__


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """Render settings as options; each defaults to None so only given ones apply."""
    d = RenderSettings()
    add = parser.add_argument
    add("--image-size", type=int, help=f"longest side of the output in px ({d.image_size})")
    add(
        "--num-iterations",
        type=int,
        help=f"optimisation steps at the final size, as in neural-style ({d.num_iterations})",
    )
    add("--optimizer", choices=OPTIMIZERS, help=f"({d.optimizer})")
    add("--lbfgs-history", type=int, help=f"L-BFGS history size ({d.lbfgs_history})")
    add("--learning-rate", type=float, help=f"Adam step size on 0..255 pixels ({d.learning_rate})")
    add("--content-weight", type=float, help=f"({d.content_weight})")
    add("--style-weight", type=float, help=f"({d.style_weight})")
    add("--tv-weight", type=float, help=f"total variation smoothing ({d.tv_weight})")
    add(
        "--chroma-tv-weight",
        type=float,
        help=f"smoothing of colour alone, against pink and green specks; 0 is neural-style's"
        f" ({d.chroma_tv_weight})",
    )
    add("--content-layers", help=f"comma-separated ({','.join(d.content_layers)})")
    add("--style-layers", help=f"comma-separated ({','.join(d.style_layers)})")
    add("--content-layer-weights", help="comma-separated, one per content layer (1 each)")
    add("--style-layer-weights", help="comma-separated, one per style layer (1 each)")
    add("--style-scale", type=float, help=f"style size relative to the output ({d.style_scale})")
    add("--seed", type=int, help=f"random seed for init random and init noise ({d.seed})")
    add("--init-noise", type=float, help="seeded noise (grey levels) added to the start image")
    add("--pooling", choices=POOLINGS, help=f"({d.pooling})")
    add(
        "--padding",
        choices=PADDINGS,
        help=f"what VGG sees beyond the edge: zeros (neural-style) or reflect ({d.padding})",
    )
    add(
        "--original-colors",
        choices=ORIGINAL_COLORS,
        help="keep the content's colours: luminance-only transfer or colour histogram matching",
    )
    add(
        "--scales",
        help="coarse-to-fine levels SIZE:ITERATIONS,... ; 'auto' (above 512 px, levels of half "
        "the size first, each with --num-iterations) or 'single' (neural-style's one level)",
    )
    add("--weights", help="VGG19 weights: caffe (default), torchvision or a state-dict PATH")
    add("--precision", choices=PRECISIONS, help="autocast the network (CUDA) (fp32)")


def settings_from_args(args: argparse.Namespace, base: RenderSettings) -> RenderSettings:
    changes: dict[str, Any] = {}
    for name in RenderSettings.__dataclass_fields__:
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = value
    # scales "single" resolves in RenderSettings against the size and iterations given with it
    # (or the preset's): replace() builds the whole settings again.
    return base.replace(**changes)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stylecore", description="Neural style transfer (Gatys et al.) on VGG19."
    )
    parser.add_argument("--version", action="version", version=f"stylecore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="render one content image in one or more styles")
    render.add_argument("content", type=Path, help="content image")
    render.add_argument("styles", type=Path, nargs="+", help="style image(s)")
    render.add_argument("-o", "--output", type=Path, required=True, help="output PNG")
    render.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    render.add_argument(
        "--style-blend-weights", help="comma-separated weights for several styles (equal)"
    )
    render.add_argument(
        "--init",
        help=f"{', '.join(INITS)}, or the path of an init image ({RenderSettings().init})",
    )
    render.add_argument("--init-image", type=Path, help="image to start from (--init image)")
    render.add_argument("--save-iter", type=int, default=0, help="also save every N iterations")
    render.add_argument("--quiet", action="store_true", help="no progress display")
    add_settings_arguments(render)

    stats = commands.add_parser("stats", help="measure images: contrast, hue, detail, verdict")
    stats.add_argument("images", type=Path, nargs="+", help="images to measure")
    stats.add_argument("--json", action="store_true", help="a JSON array, for scripts")
    stats.add_argument(
        "--role", choices=("style", "content"), default="style", help="which verdict (style)"
    )
    stats.add_argument("--report", type=Path, help="draw the first image's statistics to a PNG")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "render":
            return cmd_render(args)
        if args.command == "stats":
            return cmd_stats(args)
    except StyleCoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `stylecore stats --json | head`: end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 1


def _blend_weights(text: str | None, count: int) -> list[float]:
    if not text:
        return [1.0] * count
    try:
        weights = [float(part) for part in text.split(",")]
    except ValueError:
        raise SettingsError(f"--style-blend-weights: cannot read {text!r}") from None
    if len(weights) != count:
        raise SettingsError(
            f"--style-blend-weights has {len(weights)} values for {count} style images"
        )
    return weights


def cmd_render(args: argparse.Namespace) -> int:
    # Imported here so `stylecore --help` answers without loading torch.
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from stylecore.gatys.engine import Renderer
    from stylecore.render_files import sidecar_path, write_render
    from stylecore.spec import ImageRef, RenderSpec

    output: Path = args.output
    if output.suffix.lower() != ".png":
        raise SettingsError(f"{output}: the output must be a .png file")
    init_image: Path | None = args.init_image
    init = args.init
    if init not in (None, *INITS):
        init_image, init = Path(init), "image"
    elif init_image is not None and init is None:
        init = "image"
    settings = settings_from_args(args, RenderSettings())
    if init is not None:
        settings = settings.replace(init=init)
    weights = _blend_weights(args.style_blend_weights, len(args.styles))
    spec = RenderSpec(
        content=ImageRef.of(args.content.resolve()),
        styles=tuple(
            ImageRef.of(p.resolve(), w) for p, w in zip(args.styles, weights, strict=True)
        ),
        settings=settings,
        init_image=ImageRef.of(init_image.resolve()) if init_image else None,
    )
    request = spec.request()
    from stylecore.preview.painter import PreviewPainter

    renderer = Renderer(args.device, init_painter=PreviewPainter(args.device))
    output.parent.mkdir(parents=True, exist_ok=True)

    def snapshot(iteration: int, images: list[Any]) -> None:
        images[0].save(output.with_name(f"{output.stem}_{iteration}.png"))

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, disable=args.quiet, transient=False) as bar:
        tasks: list[Any] = []  # added on the first step, so input errors print on a clean line

        def on_progress(progress: Any) -> None:
            if not tasks:
                name = f"{args.content.name} ({renderer.device})"
                tasks.append(bar.add_task(name, total=progress.total, loss="-"))
            if progress.iteration % 10 == 0 or progress.iteration == progress.total:
                loss = f"{progress.losses[0]:.4g}"
                bar.update(tasks[0], completed=progress.iteration, loss=loss)

        result = renderer.render(
            request, on_progress, save_every=args.save_iter, on_snapshot=snapshot
        )
    write_render(result.image, output, spec, result.sidecar())
    print(f"wrote {output} and {sidecar_path(output).name} ({result.seconds:.1f} s)")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    import json

    from stylecore.stats.measure import compute_stats

    results: list[dict[str, Any]] = []
    failures = 0
    for path in args.images:
        try:
            results.append({"file": str(path), **compute_stats(path, args.role).to_dict()})
        except StyleCoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failures += 1
    if args.report is not None and results:
        from stylecore.stats.report import draw_report

        draw_report(results[0], title=Path(results[0]["file"]).name).save(args.report)
    if args.json:
        print(json.dumps(results, indent=2))
    elif results:
        _print_stats_table(results)
    return 2 if failures else 0


def _print_stats_table(results: list[dict[str, Any]]) -> None:
    """Numbers in a table (with the palette as swatches), then each image's verdict."""
    from rich.console import Console
    from rich.table import Table

    columns = (
        ("contr", "value_contrast"), ("range", "dynamic_range"), ("hues", "hue_spread"),
        ("compl", "complementary"), ("sat", "saturation_mean"), ("edges", "edge_density"),
        ("noise", "noise"), ("block", "blocking"), ("subj", "subject_strength"),
    )  # fmt: skip
    console = Console()
    if not console.is_terminal:  # piped: rich would assume 80 columns
        console = Console(width=120)
    table = Table(box=None, pad_edge=False)
    table.add_column("image", no_wrap=True, max_width=22)
    for title, _ in columns:
        table.add_column(title, justify="right", no_wrap=True)
    table.add_column("palette", no_wrap=True)
    for row in results:
        swatches = "".join(f"[on {c['hex']}] [/]" for c in row["palette"])
        table.add_row(Path(row["file"]).name, *(f"{row[key]:.2f}" for _, key in columns), swatches)
    console.print(table)
    for row in results:
        console.print(f"[bold]{Path(row['file']).name}[/]: {row['verdict']}", highlight=False)


if __name__ == "__main__":
    sys.exit(main())
