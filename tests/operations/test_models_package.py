"""The models package: every name still where callers import it, every table in one schema,
and no import circle between the models and the concern packages that own tables."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import publisher.models
from publisher.schema import metadata

MODELS = Path(publisher.models.__file__).parent
# Everything callers imported from `publisher.models` when it was one module.
NAMES = [
    "AccountSession",
    "Base",
    "Checkout",
    "Episode",
    "FeedToken",
    "JobState",
    "MediaRequest",
    "Member",
    "OutboxMessage",
    "PendingSignIn",
    "PersonalEpisode",
    "RateLimitHit",
    "RenderedFeed",
    "Season",
    "ServiceKey",
    "SharingFlag",
    "Show",
    "SignInLink",
    "StatsSalt",
    "StripeEvent",
    "UTCDateTime",
    "new_guid",
    "utcnow",
]


def _fresh(code: str) -> list[str]:
    """The `publisher` modules a fresh interpreter has imported after running `code`."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in json.loads(done.stdout.splitlines()[-1]) if m.startswith("publisher")]


def test_every_name_callers_import_is_still_in_publisher_models() -> None:
    assert sorted(publisher.models.__all__) == sorted(NAMES)
    for name in NAMES:
        assert getattr(publisher.models, name) is not None, name


def test_each_table_class_is_mapped_onto_the_one_schema() -> None:
    from publisher.gifts.models import Gift, GiftClaim

    classes = [getattr(publisher.models, n) for n in NAMES if hasattr(publisher.models, n)]
    tables = {c.__table__.name for c in [*classes, Gift, GiftClaim] if hasattr(c, "__table__")}
    assert tables == set(metadata.tables)
    assert len(tables) == 21


def test_the_schema_holds_the_gift_tables_in_a_fresh_interpreter() -> None:
    probe = "from publisher.schema import metadata\nprint(json.dumps(sorted(metadata.tables)))"
    done = subprocess.run(
        [sys.executable, "-c", f"import json\n{probe}"], capture_output=True, text=True, check=True
    )
    assert {"gifts", "gift_claims", "members", "episodes"} <= set(json.loads(done.stdout))


def test_the_models_never_import_a_concern_package() -> None:
    loaded = _fresh("import publisher.models")
    assert [m for m in loaded if not m.startswith("publisher.models")] == ["publisher"]
    for path in MODELS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("publisher"):
                assert node.module.startswith("publisher.models"), (path.name, node.module)


def test_the_gift_tables_build_on_the_base_alone() -> None:
    loaded = _fresh("import publisher.gifts.models")
    assert "publisher.schema" not in loaded
    assert "publisher.gifts.models" in loaded


def test_no_models_module_is_long() -> None:
    for path in MODELS.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 300, path.name
