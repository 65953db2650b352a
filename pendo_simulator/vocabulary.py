"""Fixed vocabulary of the simulated subscription: app ids, names, user agents, and the hostile ids.

Kept apart from `world.py` so the generator reads as logic, not as lists.
"""

from __future__ import annotations

DEFAULT_APP_ID = -323232
SECOND_APP_ID = 5668600916475904
APP_IDS = (DEFAULT_APP_ID, SECOND_APP_ID, 6305832717574144, 4923551432163328)

GUIDE_EVENT_TYPES = (
    "guideSeen",
    "guideAdvanced",
    "guideDismissed",
    "guideSnoozed",
    "guideTimeout",
    "guideActivity",
    "guideSnoozeCanceled",
    "guideNotSeen",
)

# Ids that break naive extractors: quotes and backslashes end filter string literals (estuary #4477), `&&` and
# newlines confuse hand-made parsers, non-ASCII tests encodings, and a very long id tests key hashing and columns.
HOSTILE_ACCOUNT_IDS = (
    'O\'Reilly "Quoted" Ltd',
    "back\\slash\\corp",
    "Ünïcødé Straße GmbH",
    "a && b || !c",
    "line\nbreak inc",
    "long-" + "x" * 300,
)
HOSTILE_VISITOR_IDS = (
    "jane.o'neil@example.com",
    '"quoted"\\visitor',
    "用户-42",
    "visitor && true || false",
    "tab\tand\nnewline",
    "emoji-🚀-visitor",
    "trailing-backslash\\",
    "long-visitor-" + "v" * 400,
)
# The third needs 11 guides (every 4th guide from the 3rd is hostile), so smaller worlds are unchanged.
HOSTILE_GUIDE_IDS = ('Guide "with" quotes', "guide\\backslash", "guide && launch || !now\nline two " + "g" * 300)

BROWSERS = (
    (
        "Chrome",
        "124.0.6367",
        "Mac OS X",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36",
    ),
    (
        "Chrome",
        "123.0.6312",
        "Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/123.0.6312.122 Safari/537.36",
    ),
    ("Firefox", "125.0", "Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
    (
        "Safari",
        "17.4",
        "iOS",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    ),
    (
        "Edge",
        "124.0.2478",
        "Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
    ),
)
PAGE_NAMES = (
    "Dashboard",
    "Reports",
    "Settings",
    "Billing",
    "Team members",
    "Integrations",
    "Search results",
    "Project list",
    "Project detail",
    "Onboarding checklist",
    "Help center",
    "Notifications",
    "Profile",
    "Audit log",
    "Export",
    "Calendar",
)
FEATURE_VERBS = (
    "Click",
    "Open",
    "Save",
    "Export",
    "Filter",
    "Share",
    "Invite",
    "Toggle",
    "Download",
    "Create",
)
TRACK_TYPE_NAMES = (
    "Signed Up",
    "Report Exported",
    "Plan Upgraded",
    "Invite Sent",
    "File Uploaded",
    "API Key Created",
)
PLANS = ("free", "starter", "growth", "enterprise")
INDUSTRIES = ("software", "finance", "healthcare", "retail", "education", "manufacturing")
ROLES = ("admin", "analyst", "viewer", "owner", "engineer")
LANGUAGES = ("en-US", "en-GB", "de-DE", "fr-FR", "ja-JP", "es-419")
GEO = (
    ("US", "nc", 35.8235, -78.8256),
    ("US", "ca", 37.7749, -122.4194),
    ("GB", "eng", 51.5072, -0.1276),
    ("DE", "be", 52.52, 13.405),
    ("JP", "13", 35.6762, 139.6503),
    (None, None, None, None),
)
WEEKDAY_FACTOR = (1.0, 1.05, 1.05, 1.0, 0.9, 0.3, 0.25)  # Monday .. Sunday


FREE_TEXT_ANSWERS = (
    "Love the reports",
    "Too slow on Mondays",
    "Needs an API",
    'Great "support"',
    "Pricing is confusing",
    "Very easy to use",
    "Exportación a CSV, por favor",
    "back\\slash in my answer",
)
DEPARTMENTS = ("sales", "engineering", "support", "marketing", "finance", None)
