"""Real parts for the tests: database servers, an S3 server, audio files."""
