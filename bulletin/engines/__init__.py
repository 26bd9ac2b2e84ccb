"""Voices: the Voice protocol and presets, the Coqui VITS engines (torch, bf16, ONNX) and Kokoro."""
