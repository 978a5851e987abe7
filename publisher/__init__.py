"""The shell of the Love TV publisher: configuration, database, pipelines, web app and CLI.

It wires the pure cores (`feeds`, `audio`, `auth`) to the outside world; nothing below it
imports from here.
"""
