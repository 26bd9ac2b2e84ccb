"""Publishing: the podcast channel, episodes and their feed (RSS), the web page, a local server, playback."""
