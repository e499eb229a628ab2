#!/usr/bin/env python3
"""
Generate the opaque-key corpus that the Rust key parsers are checked against.

For each key type used in Open edX event payloads, a few thousand texts, valid and
invalid, are given to the reference implementation (``edx-opaque-keys`` 4.0.0 and
``edx-ccx-keys`` 2.0.2): the Python class's ``from_string`` either accepts the text, and
the corpus records ``str(key)``, or refuses it, and the corpus records ``null``. The
Rust integration test ``events-core/tests/keys_corpus.rs`` asserts that the Rust
parsers accept exactly the same texts and render the same canonical text.

The texts are hand-picked edge cases plus systematically generated ones: every
interesting character in every part of every form, exhaustive single-character
edits of one sample per form, random structures of ``+``/``:``-separated parts,
random valid keys and random mutations of them (bad characters, empty parts, wrong
separators, extra or missing parts, unicode, whitespace, case variants, very long
parts), the deprecated forms, and the boundaries of every range of Python's ``\\w``
and ``\\d``. Everything is deterministic: ``random.Random`` with a fixed seed, the
entries sorted, one entry per line.

Python's ``\\w`` depends on the Unicode version of the interpreter; the reference is
Python 3.11 (Unicode 14.0.0), which Open edX runs. The same script writes the Rust
tables of ``\\w`` and ``\\d`` (``--unicode-tables``), so both come from one
interpreter.

Only ``edx-opaque-keys`` and ``edx-ccx-keys`` (and their dependencies) are needed.

Usage:
    python tests/interop/keys_corpus.py              # (re)write events-core/tests/fixtures/keys_corpus.json
    python tests/interop/keys_corpus.py --check      # compare with the file on disk
    python tests/interop/keys_corpus.py --out PATH   # write somewhere else
    python tests/interop/keys_corpus.py --unicode-tables events-core/src/keys/unicode_tables.rs
"""
import argparse
import json
import random
import re
import sys
import unicodedata
import warnings
from collections import Counter
from importlib.metadata import version as dist_version
from pathlib import Path

from ccx_keys.locator import CCXLocator
from opaque_keys.edx.keys import CourseKey, UsageKey
from opaque_keys.edx.locator import (
    LibraryCollectionLocator,
    LibraryContainerLocator,
    LibraryLocatorV2,
    LibraryUsageLocatorV2,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "events-core" / "tests" / "fixtures" / "keys_corpus.json"
SCRIPT_PATH = "tests/interop/keys_corpus.py"
SEED = "openedx-events-keys-corpus/1"
EXPECTED_VERSIONS = {"edx-opaque-keys": "4.0.0", "edx-ccx-keys": "2.0.2"}

# The key types, by the Python class name the event catalog uses.
KEY_TYPES = {
    "CourseKey": CourseKey,
    "UsageKey": UsageKey,
    "CCXLocator": CCXLocator,
    "LibraryLocatorV2": LibraryLocatorV2,
    "LibraryUsageLocatorV2": LibraryUsageLocatorV2,
    "LibraryContainerLocator": LibraryContainerLocator,
    "LibraryCollectionLocator": LibraryCollectionLocator,
}

V = "519665f6223ebd6980884f2b"  # a valid ObjectId

# ---------------------------------------------------------------------------
# Characters worth trying anywhere. Non-ASCII ones are all assigned since Unicode 6 or
# earlier, so their class does not depend on the interpreter's Unicode version.
# ---------------------------------------------------------------------------
ASCII_PROBES = list("+@:/$%~.-_ \t\n\r#?&=*\\\"',;|<>()[]{}!^`") + ["\x00", "\x7f", "\x0b", "\x0c", "A", "z", "9"]
UNICODE_PROBES = [
    "é",  # Ll
    "ß",  # Ll, uppercases to two letters
    "İ",  # Lu, matches 'i' under IGNORECASE
    "ı",  # Ll, matches 'i' under IGNORECASE
    "ſ",  # Ll, matches 's' under IGNORECASE
    "\u212a",  # KELVIN SIGN, matches 'k' under IGNORECASE
    "ǅ",  # Lt
    "ʰ",  # Lm
    "ª",  # Lo
    "中",  # Lo
    "٣",  # Nd (Arabic-Indic)
    "\uff10",  # Nd (fullwidth)
    "\U0001d7ce",  # Nd (mathematical)
    "²",  # No
    "½",  # No
    "Ⅻ",  # Nl
    "\u0345",  # Mn, Alphabetic but not alphanumeric for Python
    "\u0301",  # Mn
    "\u0903",  # Mc
    "Ⓐ",  # So, Alphabetic but not alphanumeric for Python
    "😀",  # So
    "\U0001d518",  # Lu (mathematical fraktur)
    "\U00010400",  # Lu (Deseret)
    "Ａ",  # Lu (fullwidth)
    "\u200b",  # Cf
    "\ufeff",  # Cf
    "\u00a0",  # Zs
    "\u2028",  # Zl
    "\u0085",  # Cc, a line break for str.splitlines
    "\ufffd",  # So
    "\U0010ffff",  # Cn, last code point
]
PROBES = ASCII_PROBES + UNICODE_PROBES
EDIT_CHARS = ["+", "@", ":", "/", "$", "%", " ", "\n", "é"]

# Valid parts of each kind, for building valid keys.
LOCATOR_IDS = ["edX", "MITx", "DemoX", "Demo_Course", "2024_T1", "a", "Z9", "0", "x.y", "a-b", "a~b", "a:b", "é", "ünï", "中文", "٣٤", "Ⅻ", "_", "ǅx", "ta:"]
BRANCHES = ["draft", "published", "draft-branch", "b~1", "é"]
VERSIONS = [V, "0" * 24, "f" * 24, "abcdef0123456789abcdef01"]
CCX_IDS = ["1", "0", "007", "123456789", "١٢", "\U0001d7ce"]
BLOCK_TYPES = ["problem", "html", "video", "vertical", "chapter", "None", "a:b", "x.y~z", "é"]
BLOCK_IDS = ["p1", "0123456789abcdef", "a.b", "a:b", "block_1", "é", "a~b", "-"]
DEPRECATED_PARTS = ["edX", "Demo%20X", "a.b", "a-b", "2024", "é", "_", "%"]
DEPRECATED_IDS = ["p1", "a%20b", "a:b", "a~b", "a.b-c", "é"]
I4X_CATEGORIES = ["problem", "html", "any thing", "a@b", "x\ny", "%", "+", ":", "é", "$"]
ASCII_SLUGS = ["MITx", "org", "a", "A-b.c_1", "1", "_", "-", "."]
UNICODE_SLUGS = ["physics", "reallyhardproblems", "p300-potions-exercises", "é", "lib_1.2-3", "中文", "٣"]
LB_BLOCK_TYPES = ["problem", "html", "video", "unit", "a-b.c_1"]
CONTAINER_TYPES = ["unit", "section", "subsection", "x_1"]
ASIDE_TYPES = ["tagging", "", "a:b", "a$b", "a::b", "with space", "é", "$", ":", "::", "$$", "a\nb"]


def pick(rng, items):
    return items[rng.randrange(len(items))]


def maybe(rng, probability=0.5):
    return rng.random() < probability


# ---------------------------------------------------------------------------
# Valid keys of each form, built from the grammar.
# ---------------------------------------------------------------------------
def course_body(rng, ccx=False, library=False, block=False, allow_versionless=True):
    parts = []
    has_run = True
    if maybe(rng, 0.9) or not allow_versionless:
        parts += [pick(rng, LOCATOR_IDS), pick(rng, LOCATOR_IDS)]
        if library:
            if maybe(rng, 0.2):
                parts.append(pick(rng, LOCATOR_IDS))
        elif maybe(rng, 0.85):
            parts.append(pick(rng, LOCATOR_IDS))
        else:
            has_run = False
    else:
        has_run = False
    prefix = (lambda name: "".join(c.upper() if maybe(rng, 0.3) else c for c in name)) if ccx else (lambda name: name)
    if maybe(rng, 0.25):
        parts.append(prefix("branch") + "@" + pick(rng, BRANCHES))
    if maybe(rng, 0.25) or not has_run or not parts:
        version = pick(rng, VERSIONS)
        parts.append(prefix("version") + "@" + (version.upper() if ccx and maybe(rng) else version))
    if ccx:
        parts.append(prefix("ccx") + "@" + pick(rng, CCX_IDS))
    if block:
        if maybe(rng, 0.9):
            parts.append(prefix("type") + "@" + pick(rng, BLOCK_TYPES))
        parts.append(prefix("block") + "@" + pick(rng, BLOCK_IDS))
    elif maybe(rng, 0.1):
        parts.append(prefix("type") + "@" + pick(rng, BLOCK_TYPES))
        parts.append(prefix("block") + "@" + pick(rng, BLOCK_IDS))
    return "+".join(parts)


def random_course_key(rng):
    form = rng.randrange(6)
    if form == 0:
        return "course-v1:" + course_body(rng)
    if form == 1:
        return "slashes:" + course_body(rng)
    if form == 2:
        return "library-v1:" + course_body(rng, library=True)
    if form == 3:
        return "ccx-v1:" + course_body(rng, ccx=True)
    run = "" if maybe(rng, 0.1) else pick(rng, DEPRECATED_PARTS)
    return f"{pick(rng, DEPRECATED_PARTS)}/{pick(rng, DEPRECATED_PARTS)}/{run}"


def random_usage_key(rng, depth=0):
    # Asides wrap another usage key, possibly another aside.
    form = rng.randrange(9 if depth < 2 else 6)
    if form == 0:
        return "block-v1:" + course_body(rng, block=True)
    if form == 1:
        return "lib-block-v1:" + course_body(rng, library=True, block=True)
    if form == 2:
        return "ccx-block-v1:" + course_body(rng, ccx=True, block=True)
    if form == 3:
        revision = "@" + pick(rng, DEPRECATED_IDS) if maybe(rng, 0.3) else ""
        return (
            f"i4x://{pick(rng, DEPRECATED_PARTS)}/{pick(rng, DEPRECATED_PARTS)}/"
            f"{pick(rng, I4X_CATEGORIES)}/{pick(rng, DEPRECATED_IDS)}{revision}"
        )
    if form == 4:
        return "location:" + "+".join(pick(rng, LOCATOR_IDS) for _ in range(5))
    if form == 5:
        return random_library_usage_key(rng)
    inner = random_usage_key(rng, depth + 1)
    aside_type = pick(rng, ASIDE_TYPES)
    if form == 6:
        return "aside-usage-v1:" + encode_v1(inner) + "::" + encode_v1(aside_type)
    return "aside-usage-v2:" + encode_v2(inner) + "::" + encode_v2(aside_type)


def encode_v1(value):
    return value.replace("$", "$$").replace("::", "$::")


def encode_v2(value):
    return value.replace("$", "$$").replace(":", "$:")


def random_ccx_key(rng):
    return "ccx-v1:" + course_body(rng, ccx=True)


def random_library_key(rng):
    return f"lib:{pick(rng, ASCII_SLUGS)}:{pick(rng, UNICODE_SLUGS)}"


def random_library_usage_key(rng):
    return f"lb:{pick(rng, ASCII_SLUGS)}:{pick(rng, UNICODE_SLUGS)}:{pick(rng, LB_BLOCK_TYPES)}:{pick(rng, UNICODE_SLUGS)}"


def random_container_key(rng):
    return f"lct:{pick(rng, ASCII_SLUGS)}:{pick(rng, UNICODE_SLUGS)}:{pick(rng, CONTAINER_TYPES)}:{pick(rng, UNICODE_SLUGS)}"


def random_collection_key(rng):
    return f"lib-collection:{pick(rng, ASCII_SLUGS)}:{pick(rng, UNICODE_SLUGS)}:{pick(rng, UNICODE_SLUGS)}"


RANDOM_VALID = {
    "CourseKey": random_course_key,
    "UsageKey": random_usage_key,
    "CCXLocator": random_ccx_key,
    "LibraryLocatorV2": random_library_key,
    "LibraryUsageLocatorV2": random_library_usage_key,
    "LibraryContainerLocator": random_container_key,
    "LibraryCollectionLocator": random_collection_key,
}

# ---------------------------------------------------------------------------
# Templates: one `{}` marks a part; every probe character is tried there.
# ---------------------------------------------------------------------------
TEMPLATES = {
    "CourseKey": [
        "course-v1:{}+DemoX+2024", "course-v1:edX+{}+2024", "course-v1:edX+DemoX+{}",
        "course-v1:edX+DemoX+2024+branch@{}", f"course-v1:edX+DemoX+2024+version@{V[:12]}{{}}{V[13:]}",
        "course-v1:edX+DemoX+2024+type@{}+block@b", "course-v1:edX+DemoX+2024+type@t+block@{}",
        "course-v1:edX+DemoX+2024{}", "course-v1{}edX+DemoX+2024", "library-v1:edX+{}",
        "ccx-v1:edX+DemoX+2024+ccx@{}", "{}/DemoX/2024", "edX/{}/2024", "edX/DemoX/{}", "edX/DemoX/2024{}",
    ],
    "UsageKey": [
        "block-v1:{}+DemoX+2024+type@problem+block@p1", "block-v1:edX+DemoX+{}+type@problem+block@p1",
        "block-v1:edX+DemoX+2024+type@{}+block@p1", "block-v1:edX+DemoX+2024+type@problem+block@{}",
        "block-v1:edX+DemoX+2024+branch@{}+type@problem+block@p1",
        "lib-block-v1:edX+Physics+type@{}+block@p1", "lib-block-v1:edX+Physics+type@html+block@{}",
        "ccx-block-v1:edX+DemoX+2024+ccx@1+type@{}+block@p1", "ccx-block-v1:edX+DemoX+2024+ccx@1+type@t+block@{}",
        "location:edX+DemoX+2024+{}+p1", "location:edX+DemoX+2024+html+{}",
        "i4x://{}/DemoX/problem/p1", "i4x://edX/{}/problem/p1", "i4x://edX/DemoX/{}/p1", "i4x://edX/DemoX/problem/{}",
        "i4x://edX/DemoX/problem/p1@{}", "lb:{}:lib:html:h1", "lb:org:{}:html:h1", "lb:org:lib:{}:h1", "lb:org:lib:html:{}",
        "aside-usage-v1:block-v1:a+b+c+type@t+block@x::{}", "aside-usage-v2:block-v1$:a+b+c+type@t+block@x::{}",
        "aside-usage-v2:block-v1$:a+b+c+type@t+block@x{}::t", "aside-usage-v1:lb:a:b:c:d{}::t",
    ],
    "CCXLocator": [
        "ccx-v1:{}+DemoX+2024+ccx@1", "ccx-v1:edX+{}+2024+ccx@1", "ccx-v1:edX+DemoX+{}+ccx@1",
        "ccx-v1:edX+DemoX+2024+branch@{}+ccx@1", "ccx-v1:edX+DemoX+2024+ccx@{}", "ccx-v1:edX+DemoX+2024+ccx@1{}",
        f"ccx-v1:edX+DemoX+2024+version@{V[:12]}{{}}{V[13:]}+ccx@1", "ccx-v1:edX+DemoX+2024+c{}x@1",
        f"ccx-v1:ver{{}}ion@{V}+ccx@1", "ccx-v1:edX+DemoX+2024+ccx@1+type@t+bloc{}@b", f"ccx-v1:vers{{}}on@{V}+ccx@1",
    ],
    "LibraryLocatorV2": ["lib:{}:physics", "lib:MITx:{}", "lib:MITx:phy{}sics", "lib:MI{}Tx:physics", "lib{}MITx:physics"],
    "LibraryUsageLocatorV2": [
        "lb:{}:physics:html:h1", "lb:MITx:{}:html:h1", "lb:MITx:physics:{}:h1", "lb:MITx:physics:html:{}",
        "lb:MITx:physics:html:h1{}",
    ],
    "LibraryContainerLocator": [
        "lct:{}:physics:unit:u1", "lct:MITx:{}:unit:u1", "lct:MITx:physics:{}:u1", "lct:MITx:physics:unit:{}",
        "lct:MITx:physics:unit:u1{}",
    ],
    "LibraryCollectionLocator": [
        "lib-collection:{}:physics:c1", "lib-collection:MITx:{}:c1", "lib-collection:MITx:physics:{}",
        "lib-collection:MITx:physics:c1{}",
    ],
}

# One sample per form; every single-character edit of each is tried.
EDIT_SEEDS = {
    "CourseKey": [f"course-v1:edX+DemoX+2024+branch@b+version@{V}", "edX/DemoX/2024", "ccx-v1:o+c+r+ccx@1", "library-v1:o+lib"],
    "UsageKey": [
        "block-v1:edX+DemoX+2024+type@problem+block@p1", "i4x://edX/DemoX/problem/p1@draft", "lb:o:lib:html:h1",
        "aside-usage-v2:block-v1$:a+b+c+type@t+block@x::ty$$pe", "aside-usage-v1:block-v1:a+b+c+type@t+block@x::t",
        "location:a+b+c+t+x", "ccx-block-v1:o+c+r+ccx@1+type@t+block@b", "lib-block-v1:o+l+type@t+block@b",
    ],
    "CCXLocator": [f"ccx-v1:edX+DemoX+2024+branch@b+version@{V}+ccx@12"],
    "LibraryLocatorV2": ["lib:MITx:physics"],
    "LibraryUsageLocatorV2": ["lb:MITx:physics:html:h1"],
    "LibraryContainerLocator": ["lct:MITx:physics:unit:u1"],
    "LibraryCollectionLocator": ["lib-collection:MITx:physics:c1"],
}

# ---------------------------------------------------------------------------
# Hand-picked edge cases.
# ---------------------------------------------------------------------------
HANDPICKED = {
    "CourseKey": [
        "", ":", "course-v1:", "course-v1", "course-v1:edX+DemoX+Demo_Course", "slashes:edX+DemoX+Demo_Course",
        "Course-v1:edX+DemoX+Demo_Course", "COURSE-V1:edX+DemoX+Demo_Course", " course-v1:edX+DemoX+2024",
        "course-v1:edX+DemoX+2024 ", "course-v1:edX+DemoX+2024\n", "course-v1:edX+DemoX", "course-v1:edX",
        "course-v1:edX+DemoX+2024+", "course-v1:+edX+DemoX+2024", "course-v1:edX++DemoX+2024", "course-v1:edX+DemoX+2024+x",
        "course-v1:edX+DemoX+2024+branch@draft", "course-v1:edX+DemoX+2024+branch@", "course-v1:edX+DemoX+2024+Branch@draft",
        f"course-v1:version@{V}", f"course-v1:edX+DemoX+version@{V}", f"course-v1:branch@b+version@{V}",
        f"course-v1:version@{V}+branch@b", f"course-v1:version@{V.upper()}", f"course-v1:version@{V}0",
        f"course-v1:version@{V[:-1]}", "course-v1:edX+DemoX+2024+type@problem+block@p1", "course-v1:edX+DemoX+2024+block@p%1",
        "course-v1:edX+DemoX+2024+type@problem", "course-v1:edX+DemoX+2024+block@b+type@t", "course-v1:edX+DemoX+2024+ccx@1",
        "course-v1:a:b+c:d+e:f", "course-v1:é+ü+中", "course-v1:edX+Demo X+2024", "course-v1:edX+DemoX+2024@x",
        "library-v1:edX+Physics", "library-v1:edX+Physics+2024", "library-v1:edX", f"library-v1:version@{V}",
        f"library-v1:edX+Physics+branch@b+version@{V}", "library-v1:branch@b", f"library-v1:branch@b+version@{V}",
        "ccx-v1:edX+DemoX+2024+ccx@1", "ccx-v1:edX+DemoX+2024", "ccx-v1:edX+DemoX+2024+CCX@١٢", "ccx-v1:ccx@1",
        f"ccx-v1:edX+DemoX+2024+VERSION@{V.upper()}+ccx@1", f"ccx-v1:edX+DemoX+2024+verſion@{V}+ccx@1",
        "edX/DemoX/2024", "edX/DemoX/", "edX//2024", "/DemoX/2024", "//", "edX/DemoX", "edX/DemoX/2024/x",
        "edX/Demo%20X/2024", "edX/Demo~X/2024", "edX/Demo:X/2024", "edX/Demo X/2024", "é/ü/中", "edX/DemoX/2024\n",
        "lib:edX:Physics", "lb:edX:Physics:html:h1", "i4x://edX/DemoX/problem/p1", "block-v1:edX+DemoX+2024+type@t+block@b",
        "ccx-block-v1:edX+DemoX+2024+ccx@1+type@t+block@b", "lib-collection:edX:lib:c", "lct:edX:lib:unit:u",
        "location:edX+DemoX+2024+t+b", "unknown:edX+DemoX+2024", "course-v2:edX+DemoX+2024",
    ],
    "UsageKey": [
        "", ":", "block-v1:", "block-v1:edX+DemoX+2024+type@problem+block@p1", "block-v1:edX+DemoX+2024+block@p1",
        "block-v1:edX+DemoX+2024+type@problem", "block-v1:edX+DemoX+2024", "block-v1:edX+DemoX+2024+type@t+block@p%1",
        "block-v1:edX+DemoX+type@t+block@b", f"block-v1:edX+DemoX+version@{V}+type@t+block@b",
        f"block-v1:version@{V}+type@t+block@b", "block-v1:edX+DemoX+2024+branch@d+type@t+block@b",
        "block-v1:edX+DemoX+2024+type@t+block@b+", "block-v1:edX+DemoX+2024+type@t+block@b\n", "Block-v1:a+b+c+type@t+block@b",
        "lib-block-v1:edX+Physics+type@html+block@h1", "lib-block-v1:edX+Physics+2024+type@html+block@h1",
        "lib-block-v1:edX+Physics+block@h1", f"lib-block-v1:version@{V}+type@t+block@b", "lib-block-v1:edX+Physics+type@t+block@a%b",
        "ccx-block-v1:edX+DemoX+2024+ccx@1+type@t+block@b", "ccx-block-v1:edX+DemoX+2024+ccx@1+block@b",
        "ccx-block-v1:edX+DemoX+2024+ccx@1+bloc\u212a@b", "ccx-block-v1:edX+DemoX+2024+ccx@1+type@t",
        "ccx-block-v1:edX+DemoX+2024+type@t+block@b", "ccx-block-v1:edX+DemoX+2024+ccx@1+type@t+block@a%b",
        "i4x://edX/DemoX/problem/p1", "i4x://edX/DemoX/problem/p1@draft", "i4x://edX/DemoX/problem/p1@", "i4x://edX/DemoX//p1",
        "i4x://edX/DemoX/problem/", "i4x://edX/DemoX/problem", "i4x://edX/DemoX/a b@c\nd/p1", "i4x://edX/DemoX/problem/p/1",
        "i4x://edX/DemoX/problem/p1@a/b", "i4x://edX/DemoX/problem/p1@a@b", "i4x://edX/Demo~X/problem/p1", "i4x://edX/DemoX/p/a%b:c~d",
        "I4X://edX/DemoX/problem/p1", "i4x:/edX/DemoX/problem/p1", "i4x:edX/DemoX/problem/p1", "c4x://edX/DemoX/asset/a.png",
        "location:edX+DemoX+2024+html+h1", "location:edX+DemoX+2024+html", "location:edX+DemoX+2024+html+h1+x",
        "location:edX+DemoX+2024+html+h%1", "location:edX+DemoX++html+h1", "lb:MITx:physics:html:h1", "lb:MITx:physics:html",
        "lb:MITx:physics:html:h1\n", "lb:MITx\n:physics:html:h1", "lb:MÏTx:physics:html:h1",
        "aside-usage-v1:block-v1:a+b+c+type@t+block@x::tagging", "aside-usage-v1:block-v1:a+b+c+type@t+block@x",
        "aside-usage-v1:block-v1:a+b+c+type@t+block@x:", "aside-usage-v1:block-v1:a+b+c+type@t+block@x:::t",
        "aside-usage-v1:block-v1:a+b+c+type@t+block@x::a::b", "aside-usage-v1:block-v1:a+b+c+type@t+block@x::a$::b",
        "aside-usage-v1:block-v1:a+b+c+block@x::t", "aside-usage-v1:i4x://o/c/cat/n::t", "aside-usage-v1:lb:a:b:c:d::t",
        "aside-usage-v1:aside-usage-v1:block-v1:a+b+c+type@t+block@x::in::out", "aside-usage-v1:::t", "aside-usage-v1:",
        "aside-usage-v2:block-v1$:a+b+c+type@t+block@x::tagging", "aside-usage-v2:block-v1$:a+b+c+type@t+block@x",
        "aside-usage-v2:block-v1:a+b+c+type@t+block@x::t", "aside-usage-v2:block-v1$:a+b+c+block@x::t",
        "aside-usage-v2:block-v1$:a+b+c+type@t+block@x::a$:b", "aside-usage-v2:block-v1$:a+b+c+type@t+block@x::a$b",
        "aside-usage-v2:block-v1$:a+b+c+type@t+block@x::a$$b", "aside-usage-v2:block-v1$$:a+b+c+type@t+block@x::t",
        "aside-usage-v2:i4x$://o/c/cat/n::t", "aside-usage-v2:lb$:a$:b$:c$:d::t", "aside-usage-v2:::t", "aside-usage-v2:",
        "aside-usage-v2:aside-usage-v2$:block-v1$$$:a+b+c+type@t+block@x$:$:in::out",
        "aside-usage-v2:aside-usage-v1$:block-v1$:a+b+c+type@t+block@x$:$:in::out",
        "aside-usage-v2:block-v1$:a+b+c+type@t+block@x:::t", "aside-usage-v2:block-v1$:a+b+c+type@t+block@x::::t",
        "aside-def-v1:def-v1:519665f6223ebd6980884f2b+type@problem::t", "course-v1:edX+DemoX+2024", "lib:a:b", "asset-v1:a+b+c+type@asset+block@x",
    ],
    "CCXLocator": [
        "", "ccx-v1:", "ccx-v1:edX+DemoX+2024+ccx@1", "ccx-v1:edX+DemoX+2024+ccx@0", "ccx-v1:edX+DemoX+2024+ccx@007",
        "ccx-v1:edX+DemoX+2024+ccx@", "ccx-v1:edX+DemoX+2024+ccx@1a", "ccx-v1:edX+DemoX+2024+ccx@-1", "ccx-v1:edX+DemoX+2024+ccx@١٢",
        "ccx-v1:edX+DemoX+2024+ccx@Ⅻ", "ccx-v1:edX+DemoX+2024+ccx@²", "ccx-v1:edX+DemoX+2024+CCX@1", "ccx-v1:edX+DemoX+2024+cCx@1",
        "ccx-v1:edX+DemoX+2024", "ccx-v1:ccx@1", f"ccx-v1:version@{V}+ccx@1", f"ccx-v1:version@{V.upper()}+ccx@1",
        f"ccx-v1:edX+DemoX+version@{V}+ccx@1", "ccx-v1:edX+DemoX+ccx@1", "ccx-v1:edX+DemoX+2024+ccx@1+ccx@2",
        "ccx-v1:edX+DemoX+2024+ccx@1+branch@b", "ccx-v1:edX+DemoX+2024+BRANCH@b+ccx@1", "ccx-v1:edX+DemoX+2024+ccx@1+TYPE@t+BLOCK@b",
        "ccx-v1:edX+DemoX+2024+ccx@1+type@t", "ccx-v1:edX+DemoX+2024+ccx@1+block@a%b", f"ccx-v1:edX+DemoX+2024+verſİon@{V}+ccx@1",
        f"ccx-v1:edX+DemoX+2024+versıon@{V}+ccx@1", "ccx-v1:edX+DemoX+2024+ccx@1\n", "CCX-v1:edX+DemoX+2024+ccx@1",
        "course-v1:edX+DemoX+2024", "course-v1:edX+DemoX+2024+ccx@1", "edX/DemoX/2024", "ccx-block-v1:edX+DemoX+2024+ccx@1+type@t+block@b",
    ],
    "LibraryLocatorV2": [
        "", "lib:", "lib::", "lib:a:b", "lib:MITx:reallyhardproblems", "lib:hogwarts:p300-potions-exercises", "lib:a", "lib:a:b:c",
        "lib::b", "lib:a:", "lib:a\n:b", "lib:a:b\n", "lib:a\n:b\n", "lib:a:b\n\n", "lib:\n:b", "lib:a:\n", "lib:a:b\r", "lib:a:b ",
        " lib:a:b", "lib:é:b", "lib:a:é", "lib:a~:b", "lib:a:b~", "lib:a%:b", "lib:a:b%", "LIB:a:b", "lib-collection:a:b:c",
        "lb:a:b:c:d", "library-v1:a+b", "lib:a:\u0345", "lib:a:Ⓐ", "lib:a:²", "lib:a:Ⅻ", "lib:a:\u200b",
    ],
    "LibraryUsageLocatorV2": [
        "", "lb:", "lb:MITx:reallyhardproblems:problem:problem1", "lb:a:b:c:d", "lb:a:b:c", "lb:a:b:c:d:e", "lb::b:c:d", "lb:a::c:d",
        "lb:a:b::d", "lb:a:b:c:", "lb:a:b:é:d", "lb:a:b:c:é", "lb:é:b:c:d", "lb:a:b:c:d\n", "lb:a:b:c\n:d", "lb:a:b:c:d\n\n",
        "LB:a:b:c:d", "lib:a:b", "lct:a:b:c:d", "lb:a:b:c~:d", "lb:a:b:c:d~", "aside-usage-v1:lb:a:b:c:d::t",
    ],
    "LibraryContainerLocator": [
        "", "lct:", "lct:org:lib:unit:u1", "lct:org:lib:section:s1", "lct:org:lib:unit", "lct:org:lib:unit:u1:x", "lct::lib:unit:u1",
        "lct:org::unit:u1", "lct:org:lib::u1", "lct:org:lib:unit:", "lct:org:lib:ünit:u1", "lct:org:lib:unit:ü1", "lct:org:lib:unit:u1\n",
        "lct:org:lib:unit\n:u1", "LCT:org:lib:unit:u1", "lb:org:lib:unit:u1", "lct:org:lib:unit:u 1",
    ],
    "LibraryCollectionLocator": [
        "", "lib-collection:", "lib-collection:org:lib:c1", "lib-collection:org:lib", "lib-collection:org:lib:c1:x",
        "lib-collection::lib:c1", "lib-collection:org::c1", "lib-collection:org:lib:", "lib-collection:org:lib:集合",
        "lib-collection:ørg:lib:c1", "lib-collection:org:lib:c1\n", "lib-collection:org:lib:c 1", "Lib-Collection:org:lib:c1",
        "lib:org:lib", "lct:org:lib:unit:u1",
    ],
}


# ---------------------------------------------------------------------------
# Systematic generators.
# ---------------------------------------------------------------------------
def template_probes(templates):
    """Every probe character, alone and after a letter, in every templated part."""
    out = []
    for template in templates:
        for char in PROBES:
            out.append(template.replace("{}", char, 1))
            out.append(template.replace("{}", "a" + char, 1))
        out.append(template.replace("{}", "", 1))
    return out


def single_edits(seed):
    """Every deletion, duplication, and replacement by a structural character."""
    out = []
    for index, original in enumerate(seed):
        out.append(seed[:index] + seed[index + 1:])
        out.append(seed[:index] + original * 2 + seed[index + 1:])
        for char in EDIT_CHARS:
            out.append(seed[:index] + char + seed[index + 1:])
    out.append(seed + "\n")
    out.append(seed.upper())
    out.append(seed.lower())
    out.append(seed.swapcase())
    return out


def mutate(rng, text):
    """One random mutation."""
    operation = rng.randrange(14)
    index = rng.randrange(len(text) + 1)
    char = pick(rng, PROBES) if maybe(rng, 0.7) else chr(rng.randrange(0x20, 0x7F))
    if operation == 0 and text:
        index = min(index, len(text) - 1)
        return text[:index] + char + text[index + 1:]
    if operation == 1:
        return text[:index] + char + text[index:]
    if operation == 2 and text:
        index = min(index, len(text) - 1)
        return text[:index] + text[index + 1:]
    if operation == 3:
        return text[:index]
    if operation == 4:
        return text + pick(rng, ["\n", " ", "+", ":", "::", "@", "/", "$", "\t", "\r\n", "+x", ":x"])
    if operation == 5:
        return pick(rng, [" ", "\n", "x", ":", "+", "/"]) + text
    if operation == 6:
        return rng.choice([str.upper, str.lower, str.swapcase, str.title])(text)
    if operation == 7:
        separator = pick(rng, ["+", ":", "/", "@", "::"])
        return text.replace(separator, separator * 2, 1)
    if operation == 8:
        separator = pick(rng, ["+", ":", "/", "@"])
        return text.replace(separator, "", 1)
    if operation == 9:
        source, target = rng.sample(["+", ":", "/", "@", "$"], 2)
        return text.replace(source, target, 1)
    if operation == 10:
        # A very long part.
        pieces = re.split(r"([+:/@])", text)
        slot = rng.randrange(len(pieces))
        pieces[slot] = pieces[slot] * rng.choice([10, 50])
        return "".join(pieces)
    if operation == 11:
        pieces = re.split(r"([+:/])", text)
        slot = rng.randrange(0, len(pieces), 2)
        del pieces[slot:slot + 2]
        return "".join(pieces)
    if operation == 12:
        pieces = re.split(r"([+:/])", text)
        slot = rng.randrange(0, len(pieces), 2)
        pieces.insert(slot, pieces[slot] + (pieces[slot + 1] if slot + 1 < len(pieces) else "+"))
        return "".join(pieces)
    namespace, _, rest = text.partition(":")
    other = pick(rng, ["course-v1", "slashes", "library-v1", "ccx-v1", "block-v1", "lib-block-v1", "ccx-block-v1",
                       "location", "lb", "lib", "lct", "lib-collection", "aside-usage-v1", "aside-usage-v2", "i4x", ""])
    return other + ":" + rest if rest else other + ":" + namespace


SEGMENTS = ["edX", "DemoX", "2024", "", "branch@b", "version@" + V, "ccx@1", "type@t", "block@b", "BRANCH@b",
            "Version@" + V.upper(), "CCX@2", "Type@t", "Block@b", "foo@x", "block@", "@x", "a@b@c", "version@abc", "block@a%b"]


def structures(rng, namespaces, count):
    """Random arrangements of `+`-separated parts, valid and not, after each namespace."""
    out = []
    for _ in range(count):
        length = rng.randrange(0, 7)
        body = "+".join(pick(rng, SEGMENTS) for _ in range(length))
        out.append(pick(rng, namespaces) + ":" + body)
    return out


def colon_structures(rng, namespace, count):
    """Random `:`-separated parts after a library namespace."""
    pool = ASCII_SLUGS + UNICODE_SLUGS + ["", "a b", "a+b", "a@b", "a/b", "é~", "x\n", "\n", "a$b"]
    return [namespace + ":" + ":".join(pick(rng, pool) for _ in range(rng.randrange(0, 7))) for _ in range(count)]


def deprecated_structures(rng, count):
    pool = DEPRECATED_PARTS + ["", "a~b", "a:b", "a b", "a+b", "a@b", "\n"]
    return ["/".join(pick(rng, pool) for _ in range(rng.randrange(1, 6))) for _ in range(count)]


def i4x_structures(rng, count):
    pool = DEPRECATED_PARTS + DEPRECATED_IDS + I4X_CATEGORIES + ["", "a/b", "a@b", "a b", "\n"]
    out = []
    for _ in range(count):
        pieces = [pick(rng, pool) for _ in range(rng.randrange(2, 7))]
        out.append("i4x://" + "/".join(pieces))
    return out


def python_ranges(pattern):
    """The ranges of code points (surrogates excluded) that `pattern` matches alone."""
    compiled = re.compile(pattern)
    out = []
    start = None
    for code in range(0x110000):
        matches = not 0xD800 <= code <= 0xDFFF and compiled.match(chr(code)) is not None
        if matches and start is None:
            start = code
        elif not matches and start is not None:
            out.append((start, code - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


def boundary_chars(ranges):
    """The code points on both sides of every range boundary, without surrogates."""
    codes = set()
    for start, end in ranges:
        codes.update((start - 1, start, end, end + 1))
    return [chr(code) for code in sorted(codes) if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF]


def candidates(rng):
    """All texts to ask Python about, by key type."""
    word_boundaries = boundary_chars(python_ranges(r"\w"))
    digit_boundaries = boundary_chars(python_ranges(r"\d"))
    valid_samples = {name: [generate(rng) for _ in range(170)] for name, generate in RANDOM_VALID.items()}
    course_namespaces = ["course-v1", "slashes", "library-v1", "ccx-v1", "Course-v1", "lib"]
    block_namespaces = ["block-v1", "lib-block-v1", "ccx-block-v1", "location", "lb"]

    by_type = {}
    for name in KEY_TYPES:
        texts = list(HANDPICKED[name])
        texts += template_probes(TEMPLATES[name])
        for seed in EDIT_SEEDS[name]:
            texts += single_edits(seed)
        texts += valid_samples[name]
        for sample in valid_samples[name]:
            texts += [mutate(rng, sample) for _ in range(2)]
        # Keys of the other types, which must be refused (or, for the umbrella types, accepted).
        for other, samples in valid_samples.items():
            if other != name:
                texts += samples[:40]
        by_type[name] = texts

    by_type["CourseKey"] += structures(rng, course_namespaces, 500) + deprecated_structures(rng, 200)
    by_type["CCXLocator"] += structures(rng, ["ccx-v1"], 400)
    by_type["UsageKey"] += structures(rng, block_namespaces, 500) + i4x_structures(rng, 200)
    by_type["UsageKey"] += [mutate(rng, random_usage_key(rng, 0)) for _ in range(200)]
    by_type["LibraryLocatorV2"] += colon_structures(rng, "lib", 300)
    by_type["LibraryUsageLocatorV2"] += colon_structures(rng, "lb", 300)
    by_type["LibraryContainerLocator"] += colon_structures(rng, "lct", 300)
    by_type["LibraryCollectionLocator"] += colon_structures(rng, "lib-collection", 300)
    # Python's \w and \d, boundary by boundary.
    by_type["LibraryLocatorV2"] += [f"lib:o:{char}" for char in word_boundaries]
    by_type["CCXLocator"] += [f"ccx-v1:o+c+r+ccx@{char}" for char in digit_boundaries]
    # A few long keys.
    for name, template in [("CourseKey", "course-v1:{}+c+r"), ("UsageKey", "block-v1:o+c+r+type@t+block@{}"),
                           ("LibraryLocatorV2", "lib:o:{}"), ("CCXLocator", "ccx-v1:o+c+r+ccx@{}")]:
        for part in ["a" * 2000, "é" * 1000, "9" * 2000, "a" * 1999 + " "]:
            by_type[name].append(template.format(part))
    return by_type


# ---------------------------------------------------------------------------
# Asking Python.
# ---------------------------------------------------------------------------
def canonical(key_class, text, surprises):
    """`str(key_class.from_string(text))`, or None if it is refused."""
    try:
        key = key_class.from_string(text)
    except Exception as error:  # pylint: disable=broad-except
        if type(error).__name__ != "InvalidKeyError":
            surprises[f"{key_class.__name__} raised {type(error).__name__}"] += 1
        return None
    rendered = str(key)
    # The canonical text must parse back to itself, or the Rust test would be unsound.
    if str(key_class.from_string(rendered)) != rendered:
        surprises[f"{key_class.__name__}: str(key) is not a fixed point"] += 1
    return rendered


def representable(text):
    """Texts with surrogates cannot be UTF-8, so they can never reach a Rust parser."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def build_corpus():
    rng = random.Random(SEED)
    surprises = Counter()
    entries = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, texts in candidates(rng).items():
            key_class = KEY_TYPES[name]
            for text in sorted({text for text in texts if representable(text)}):
                entries.append((name, text, canonical(key_class, text, surprises)))
    return entries, surprises


# Characters written as escapes so that a reviewer sees them: controls, format characters,
# separators other than the space, combining marks, unassigned and private-use code points.
ESCAPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "Mn", "Mc", "Me"}


def json_value(value):
    """JSON text of a string (or null), with only invisible or ambiguous characters escaped."""
    if value is None:
        return "null"
    out = []
    for char in json.dumps(value, ensure_ascii=False)[1:-1]:
        if char != " " and unicodedata.category(char) in ESCAPED_CATEGORIES:
            out.append(json.dumps(char)[1:-1])
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def render_corpus(entries):
    counts = {}
    for name, _, rendered in entries:
        bucket = counts.setdefault(name, {"valid": 0, "invalid": 0})
        bucket["valid" if rendered is not None else "invalid"] += 1
    header = {
        "about": f"Generated by {SCRIPT_PATH}; do not edit. Each entry: [key type, text, str(key) or null if refused].",
        "generator": {
            "python": sys.version.split()[0],
            "unicode": unicodedata.unidata_version,
            **{name: dist_version(name) for name in EXPECTED_VERSIONS},
        },
        "counts": counts,
    }
    lines = ["{"]
    for field, value in header.items():
        lines.append(f"  {json.dumps(field)}: {json.dumps(value, sort_keys=True)},")
    lines.append('  "entries": [')
    rows = ["[" + ", ".join(json_value(value) for value in entry) + "]" for entry in entries]
    lines.append(",\n".join(f"    {row}" for row in rows))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_unicode_tables():
    def table(name, doc, ranges):
        rows = []
        for index in range(0, len(ranges), 6):
            chunk = ranges[index:index + 6]
            rows.append("    " + " ".join(f"(0x{start:05X}, 0x{end:05X})," for start, end in chunk))
        return f"/// {doc}\n#[rustfmt::skip]\npub(crate) static {name}: &[(u32, u32)] = &[\n" + "\n".join(rows) + "\n];\n"

    return (
        "//! The code points Python's `re` module takes for `\\w` and `\\d` in `str` patterns, as sorted,\n"
        "//! disjoint, inclusive ranges (non-ASCII lookups only; ASCII is answered by a bit table).\n"
        "//!\n"
        f"//! Generated by `{SCRIPT_PATH} --unicode-tables` with Python {sys.version.split()[0]}\n"
        f"//! (Unicode {unicodedata.unidata_version}); do not edit. `\\w` is `str.isalnum()` plus `_`, `\\d` is\n"
        "//! the decimal digits (general category Nd).\n\n"
        f'/// The Unicode version of the tables.\n#[allow(dead_code)]\npub(crate) const UNICODE_VERSION: &str = "{unicodedata.unidata_version}";\n\n'
        + table("WORD", "Python's `\\w`.", python_ranges(r"\w"))
        + "\n"
        + table("DECIMAL", "Python's `\\d`.", python_ranges(r"\d"))
    )


def check_versions(allow_other_versions):
    found = {name: dist_version(name) for name in EXPECTED_VERSIONS}
    if found != EXPECTED_VERSIONS and not allow_other_versions:
        sys.exit(f"expected {EXPECTED_VERSIONS}, found {found}; pass --allow-other-versions to generate anyway")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the corpus")
    parser.add_argument("--check", action="store_true", help="compare with the file on disk instead of writing")
    parser.add_argument("--unicode-tables", type=Path, help="write the Rust tables of \\w and \\d to this file and stop")
    parser.add_argument("--allow-other-versions", action="store_true", help="do not insist on the reference versions")
    args = parser.parse_args()
    check_versions(args.allow_other_versions)

    if args.unicode_tables:
        args.unicode_tables.write_text(render_unicode_tables(), encoding="utf-8")
        print(f"wrote {args.unicode_tables}")
        return

    entries, surprises = build_corpus()
    text = render_corpus(entries)
    for surprise, count in sorted(surprises.items()):
        print(f"note: {surprise}: {count} texts", file=sys.stderr)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            sys.exit(f"{args.out} is out of date; run {SCRIPT_PATH}")
        print(f"{args.out} is up to date")
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    valid = sum(1 for entry in entries if entry[2] is not None)
    print(f"wrote {args.out}: {len(entries)} entries, {valid} valid, {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
