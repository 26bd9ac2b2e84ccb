"""bulletin: French news articles to broadcast-ready radio bulletins.

Importing this package is cheap: torch and Coqui TTS are imported only when a
voice starts synthesising.
"""

__version__ = "0.1.0"
