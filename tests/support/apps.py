"""An app over a test's configuration, built and disposed the same way everywhere."""

from __future__ import annotations

from publisher.config import Config


def built_app(config: Config):  # type: ignore[no-untyped-def]
    """Yield an app over `config`, disposing its connections afterwards (fixture body)."""
    from publisher.app import create_app
    from publisher.services import services_of
    from publisher.web.media import recorder_of

    application = create_app(config=config)
    application.config["TESTING"] = True
    yield application
    recorder = recorder_of(application)
    if recorder is not None:
        recorder.close()  # write the test's downloads while its database still exists
    services_of(application).db.dispose()
