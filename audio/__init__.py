"""The audio core: reading and tagging audio files with mutagen, and where files are stored.

Plain Python over paths and bytes: no Flask, no database.
"""
