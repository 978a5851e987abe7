"""Apple Podcasts' categories, the only values `itunes:category` may take.

Apple's list (https://podcasters.apple.com/support/1691-apple-podcasts-categories): a show
names one category, or a subcategory written as the feed core reads it, `Category >
Subcategory` (`feeds.channel`). A name typed a little wrong gets a suggestion, found by
`difflib` against whole names and against their words ("Helth" -> "Health & Fitness").
"""

from __future__ import annotations

import difflib

from publisher.errors import UserError

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}
CATEGORY_NAMES: tuple[str, ...] = tuple(
    name
    for main, subs in APPLE_CATEGORIES.items()
    for name in (main, *(f"{main} > {sub}" for sub in subs))
)
CATEGORIES_PAGE = "https://podcasters.apple.com/support/1691-apple-podcasts-categories"
_BY_KEY = {" ".join(name.lower().split()): name for name in CATEGORY_NAMES}


def apple_category(text: str) -> str:
    """`text` as Apple spells the category (case and spaces around `>` forgiven), or a
    one-line error that suggests the nearest one."""
    main, _, sub = text.partition(">")
    key = " ".join(main.lower().split())
    if sub.strip():
        key += " > " + " ".join(sub.lower().split())
    if key in _BY_KEY:
        return _BY_KEY[key]
    near = nearest_category(text)
    if near is not None:
        raise UserError(
            f"{text.strip()!r} is not an Apple Podcasts category: did you mean {near!r}?"
        )
    raise UserError(
        f"{text.strip()!r} is not an Apple Podcasts category (a subcategory is written "
        f"'Health & Fitness > Mental Health'; the list: {CATEGORIES_PAGE})"
    )


def nearest_category(text: str) -> str | None:
    """The category `text` most likely means, if any is close: a main category before its
    subcategories when both match as well (a misspelt 'Helth' means the main one)."""
    typed = " ".join(text.lower().replace(">", " ").split())
    if not typed:
        return None
    best: tuple[float, float, int, str] | None = None
    for name in CATEGORY_NAMES:
        lowered = name.lower()
        whole = difflib.SequenceMatcher(None, typed, lowered).ratio()
        last = lowered.rpartition(" > ")[2]
        parts = [last, *(w for w in lowered.replace(">", " ").split() if len(w) > 2)]
        word = max(difflib.SequenceMatcher(None, typed, p).ratio() for p in parts)
        score = (max(whole, word), whole, -lowered.count(">"), name)
        if best is None or score[:3] > best[:3]:
            best = score
    return best[3] if best is not None and best[0] >= 0.75 else None
