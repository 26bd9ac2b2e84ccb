"""Build a random-weight Coqui VITS French model directory, for tests and benchmarks.

    python scripts/testvoice.py DIR --size tiny|css10

The model is made with Coqui's own classes (VitsConfig, Vits, ``french_cleaners``,
a French character set) and saved as ``model.pth`` + ``config.json``, so it loads
through the same ``TTS(model_path=..., config_path=...)`` path as a real model.
Its audio is noise-like; what it exercises is the real code path at real cost:
``tiny`` (about 1 MB) for tests, ``css10`` (the architecture and size of
``tts_models/fr/css10/vits``) for benchmarks.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from bulletin.text.letters_fr import FRENCH_LETTERS

FRENCH_PUNCTUATION = "!'(),-.:;?«»’…\" "

# Hyper-parameters that make the "tiny" model small; the rest are VITS defaults.
TINY_ARGS = {
    "hidden_channels": 16,
    "hidden_channels_ffn_text_encoder": 32,
    "num_heads_text_encoder": 2,
    "num_layers_text_encoder": 1,
    "num_layers_posterior_encoder": 1,
    "num_layers_flow": 1,
    "resblock_kernel_sizes_decoder": [3],
    "resblock_dilation_sizes_decoder": [[1, 3, 5]],
    "upsample_initial_channel_decoder": 32,
    "use_sdp": False,
}
SIZES = ("tiny", "css10")
FRAMES_PER_CHARACTER = 5.0
"""Durations the random duration predictor is biased to (5 x 256 samples at 22050 Hz ~ 58 ms):
a speaking rate near a newsreader's, so durations in tests are realistic."""


def build_test_voice(directory: str | Path, size: str = "tiny", seed: int = 0) -> Path:
    """Write a random-weight VITS model dir (model.pth, config.json); return the directory."""
    import torch
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    args = VitsArgs(init_discriminator=False, **(TINY_ARGS if size == "tiny" else {}))
    config = VitsConfig(
        model_args=args,
        run_name=f"bulletin-random-{size}",
        text_cleaner="french_cleaners",
        use_phonemes=False,
        phoneme_language="fr-fr",
        add_blank=True,
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters",
            pad="_",
            eos="",
            bos="",
            blank=None,
            characters=FRENCH_LETTERS,
            punctuations=FRENCH_PUNCTUATION,
            phonemes=None,
            is_unique=True,
            is_sorted=True,
        ),
    )
    config.audio.sample_rate = 22050
    model = Vits(config)
    _bias_durations(model)
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, directory / "model.pth")
    config.save_json(str(directory / "config.json"))
    return directory


def _bias_durations(model) -> None:
    """Make the random duration predictor yield about FRAMES_PER_CHARACTER frames per token."""
    import torch

    with torch.no_grad():
        if model.args.use_sdp:
            return  # the stochastic predictor's random durations are already speech-like
        proj = model.duration_predictor.proj
        proj.weight.mul_(0.01)
        # add_blank doubles the tokens: half the frames each
        proj.bias.fill_(math.log(FRAMES_PER_CHARACTER / 2))


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python scripts/testvoice.py DIR --size tiny|css10``."""
    parser = argparse.ArgumentParser(prog="python scripts/testvoice.py", description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path, help="where to write model.pth and config.json")
    parser.add_argument("--size", choices=SIZES, default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)
    path = build_test_voice(options.directory, options.size, options.seed)
    megabytes = (path / "model.pth").stat().st_size / 1e6
    print(f"{path}: random-weight VITS ({options.size}, {megabytes:.1f} MB)")


if __name__ == "__main__":
    main()
