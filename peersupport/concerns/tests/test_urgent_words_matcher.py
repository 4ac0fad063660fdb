"""The urgent-words matcher (peersupport/lib/urgent_words.py) against the shipped
list: what must be flagged, what must not, and what the list cannot tell apart.
Pure Python: no database."""

from __future__ import annotations

import pytest

from peersupport.concerns.services import URGENT_PHRASES_FILE, shipped_urgent_phrases
from peersupport.lib.urgent_words import (
    compile_phrases,
    find_urgent_phrases,
    normalise,
    phrase_problem,
    phrases_in,
    words,
)

SHIPPED = compile_phrases(shipped_urgent_phrases())


def flagged(text: str) -> list[str]:
    return phrases_in(text, SHIPPED)


# (what a child might write, a phrase of the shipped list it must match)
MUST_FLAG = [
    ("I want to kill myself", "kill myself"),
    ("i want to KILL MYSELF", "kill myself"),
    ("I wanna kill myself!!!", "kill myself"),
    ("I want to kilL MyseLF.", "kill myself"),
    ("i want to kiiiiill myself", "kill myself"),
    ("kms", "kill myself"),
    ("he hits me at home", "hits me"),
    ("He hits me when mum's at work", "hits me"),
    ("my step-dad hurts me", "hurts me"),
    ("I've been cutting myself", "cutting myself"),
    ("Ive been cuttttting my self again", "cutting myself"),
    ("I\u2019ve been cutting myself", "cutting myself"),
    ("I don't want to be alive anymore", "do not want to be alive"),
    ("I don\u2019t want to be alive any more", "do not want to be alive"),
    ("i dont wanna be alive", "do not want to be alive"),
    ("I do not want to be alive", "do not want to be alive"),
    ("\u201cI don\u2019t want to live\u201d", "do not want to live"),
    ("Sometimes I wish I was dead.", "wish i was dead"),
    ("I\u2019m scared to go home", "scared to go home"),
    ("i think about suicide a lot", "suicid*"),
    ("I feel SUICIDAL", "suicid*"),
    ("I keep self-harming", "self harm*"),
    ("I'm going to hurt myself", "hurt myself"),
    ("I've been making myself sick after lunch", "making myself sick"),
    ("he touched me and said it's our secret", "touched me"),
    ("she asked for nudes", "nudes"),
    ("they said they're going to kill me", "going to kill me"),
    # Everyday phrasings a review found missing from the first list.
    ("my dad hit me", "hit me"),
    ("my mum is hurting me", "hurting me"),
    ("he'll kill me if I tell", "will kill me"),
    ("I was sexually abused", "sexually abused"),
    ("I'm being abused", "being abused"),
    ("I starve myself", "starve myself"),
    ("i dont feel safe at home", "do not feel safe at home"),
    ("I'd rather be dead", "rather be dead"),
    ("Nobody would care if I died", "if i died"),
    ("I’ve taken pills", "taken pills"),
]

# Ordinary sentences that must not be flagged.
MUST_NOT_FLAG = [
    "I killed it in football",
    "We did a skill drill in PE",
    "The killer whale documentary was ace",
    "My mum helps me with homework at home",
    "I cut my hair",
    "I was dying of laughter",
    "I hurt my knee in PE",
    "I hit the ball over the fence",
    "My brother beat me at FIFA",
    "We touched on fractions today",
    "Can't wait for the holidays",
    "He\u2019s my best friend",
    "I hate Mondays",
    "",
]


@pytest.mark.parametrize(("text", "phrase"), MUST_FLAG)
def test_words_that_suggest_a_risk_of_harm_are_flagged(text: str, phrase: str) -> None:
    assert phrase in flagged(text)


@pytest.mark.parametrize("text", MUST_NOT_FLAG)
def test_ordinary_sentences_are_not_flagged(text: str) -> None:
    assert flagged(text) == []


def test_this_homework_is_killing_me_is_flagged_for_review_as_a_known_limit() -> None:
    """The matcher cannot understand context: "killing me" is on the list because
    "he is killing me" must not be missed, so this ordinary sentence is flagged and
    a DSL reviews it. That is the documented limit, not a silent exception: the
    list's header says so (and the DSL's page, tested with the views)."""
    assert flagged("This homework is killing me") == ["killing me"]
    header = URGENT_PHRASES_FILE.read_text(encoding="utf-8")
    assert "this homework is" in header
    assert "killing me" in header


def test_a_worry_in_words_that_are_not_on_the_list_is_missed_as_a_known_limit() -> None:
    """The other side of the limit: a worry put in other words is not flagged,
    which is why the list is a safety net and never a substitute for listening."""
    assert flagged("Everyone would be happier if I disappeared") == []
    header = URGENT_PHRASES_FILE.read_text(encoding="utf-8")
    assert "will miss worries" in " ".join(header.split()).replace("# ", "")


def test_the_list_header_states_its_purpose_and_limits() -> None:
    header = " ".join(
        line.lstrip("# ")
        for line in URGENT_PHRASES_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )
    assert "safety net, not a filter" in header
    assert "never blocks a child from saying something" in header
    assert "cannot understand context" in header


def test_every_shipped_phrase_is_usable_and_none_is_a_duplicate() -> None:
    phrases = shipped_urgent_phrases()
    assert len(phrases) > 50
    assert [p for p in phrases if phrase_problem(p)] == []
    assert len(compile_phrases(phrases)) == len(phrases)


def test_text_is_normalised_for_case_punctuation_quotes_repeats_and_contractions() -> None:
    assert normalise("I\u2019M SOOOO sad!!! Don\u2019t...") == "i am so sad do not"
    # Repeated letters count once everywhere, so "will" is "wil" (for phrases too).
    assert normalise("dont cant wont im ive") == "do not can not wil not i am i have"
    assert normalise("my self, any more") == "myself anymore"
    assert normalise("Caf\u00e9") == "cafe"
    assert normalise("he's hitting me") == "he is hiting me"


def test_phrases_match_whole_words_only() -> None:
    assert find_urgent_phrases("that whits meat", ["hits me"]) == []
    assert find_urgent_phrases("a skill myselfie", ["kill myself"]) == []
    assert find_urgent_phrases("he hits me", ["hits me"]) == ["hits me"]


def test_a_word_ending_in_a_star_matches_words_that_start_with_it() -> None:
    phrases = ["cut* myself"]
    assert find_urgent_phrases("I cut myself", phrases) == ["cut* myself"]
    assert find_urgent_phrases("I've been cutting myself", phrases) == ["cut* myself"]
    assert find_urgent_phrases("a haircut myself", phrases) == []
    assert words("cut* myself", wildcards=True) == ["cut*", "myself"]
    # In a child's text, a star is punctuation.
    assert words("cut* myself") == ["cut", "myself"]


def test_the_phrases_returned_are_as_typed_in_the_list_in_list_order() -> None:
    phrases = ["Hurts me", "kill MYSELF"]
    assert find_urgent_phrases("I'll kill myself if he hurts me again", phrases) == [
        "Hurts me",
        "kill MYSELF",
    ]


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("", "Type a word"),
        ("  ...  ", "Type a word"),
        ("a* me", "at least 3 letters"),
        ("cu*t", "only at the end of a word"),
        ("**", "only at the end of a word"),
    ],
)
def test_a_phrase_that_cannot_work_is_refused_with_a_reason(phrase: str, problem: str) -> None:
    assert problem in phrase_problem(phrase)
