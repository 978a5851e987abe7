"""Download statistics by the IAB Podcast Measurement rules, and shared-link detection.

`recorder` buffers each media request in memory (never a database write inside the
request); `ingest` writes a batch, deciding which requests are IAB downloads while the
raw client address is still known; `sharing` flags tokens used from too many networks;
`report` answers `lovetv stats` and the member listings. `user_agents` and `iab` are
plain functions over plain values.
"""
