"""Audio: decoding, loudness and true peak, layout (jingles, pauses, bed), mastering, encoding, sidecars."""
