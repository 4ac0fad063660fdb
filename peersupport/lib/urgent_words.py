"""Find urgent phrases (words that suggest a risk of harm) in what a child wrote.

Pure Python, no Django: text and phrases in, the phrases that matched out. The
school's list lives in the database; this module only knows how to compare.

Both the text and every phrase go through the same normalisation, so a phrase
matches however the child typed it:

- case is ignored, accents are dropped, and curly quotes count as straight ones;
- punctuation counts as a space ("kill...myself" is "kill myself");
- a letter repeated for emphasis counts once ("sooo" is "so", "killl" is "kill");
  a side effect is that "been" and "ben" look the same to the matcher;
- common contractions and shorthand are spelt out ("don't", "dont" and "do not"
  are the same; "I'm" is "I am"; "wanna" is "want to"; "kms" is "kill myself");
- "my self" is "myself" and "any more" is "anymore".

A phrase matches on whole words only: "hit me" does not match "white meat". A
word ending in ``*`` matches any word that starts with it: "cut* myself" matches
"cut myself", "cuts myself" and "cutting myself".

What it cannot do: understand context. "This homework is killing me" matches
"killing me", and a worry put in words that are not on the list is missed. It is
a safety net for staff, never a filter on what a child may say."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WILDCARD = "*"
# The shortest stem a wildcard may have: "a*" would match almost every sentence.
MIN_STEM = 3

_QUOTES = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote, the usual curly apostrophe
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u02bc": "'",  # modifier letter apostrophe
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
    }
)

# Whole words with an apostrophe that do not follow the general rules below.
_IRREGULAR = {
    "won't": "will not",
    "can't": "can not",
    "shan't": "shall not",
    "ain't": "am not",
    "let's": "let us",
}
# The same contractions typed without the apostrophe, as children often do. Only
# words that are not also ordinary words ("well", "were", "its" are left alone).
_WITHOUT_APOSTROPHE = {
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "cannot": "can not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "aint": "am not",
    "im": "i am",
    "ive": "i have",
    "id": "i would",
    "youre": "you are",
    "theyre": "they are",
    "hes": "he is",
    "shes": "she is",
    "thats": "that is",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "u": "you",
    "kms": "kill myself",
    "kys": "kill yourself",
}
# Pronouns whose "'s" means "is" or "has" ("he's hitting me"); on other words it is
# usually a possessive ("mum's boyfriend") and the apostrophe is simply dropped.
_S_MEANS_IS = {"he", "she", "it", "that", "there", "what", "who", "where", "everyone", "nobody"}
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'m", " am"))
_JOINED = {("my", "self"): "myself", ("any", "more"): "anymore", ("no", "one"): "noone"}

_WORD = re.compile(r"(?:[^\W_]|')+\*?")
_STAR_INSIDE = re.compile(r"\*(?:[^\W_]|\*)")
_REPEATS = re.compile(r"(.)\1+")


def _fold(text: str) -> str:
    """Lower case, straight quotes, no accents (so "café" is "cafe")."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def _expand(word: str) -> list[str]:
    """One typed word as the plain words it stands for."""
    if word in _IRREGULAR:
        return _IRREGULAR[word].split()
    for suffix, plain in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[: -len(suffix)] + plain).split()
    if word.endswith("'s") and word[:-2] in _S_MEANS_IS:
        return [word[:-2], "is"]
    if word.endswith("'d") and len(word) > 2:
        return [word[:-2], "would"]
    word = word.replace("'", "")
    if word in _WITHOUT_APOSTROPHE:
        return _WITHOUT_APOSTROPHE[word].split()
    return [word] if word else []


def _squeeze(word: str) -> str:
    """A letter repeated for emphasis counts once."""
    return _REPEATS.sub(r"\1", word)


def words(text: str, *, wildcards: bool = False) -> list[str]:
    """The normalised words of ``text``. With ``wildcards`` (for phrases), a word
    may keep a trailing ``*``; otherwise ``*`` is punctuation like any other."""
    folded = _fold(text)
    if not wildcards:
        folded = folded.replace(WILDCARD, " ")
    plain: list[str] = []
    for typed in _WORD.findall(folded):
        star = typed.endswith(WILDCARD)
        for word in _expand(typed.rstrip(WILDCARD).strip("'")):
            plain.append(_squeeze(word))
        if star and plain:
            plain[-1] += WILDCARD
    joined: list[str] = []
    for word in plain:
        if joined and (joined[-1], word) in _JOINED:
            joined[-1] = _JOINED[(joined[-1], word)]
        else:
            joined.append(word)
    return joined


def normalise(text: str) -> str:
    """The text as the matcher sees it: normalised words joined by single spaces."""
    return " ".join(words(text))


@dataclass(frozen=True)
class Phrase:
    """A phrase as typed (what staff see) and as the matcher compares it."""

    text: str
    words: tuple[str, ...]

    def found_in(self, text_words: Sequence[str]) -> bool:
        size = len(self.words)
        for start in range(len(text_words) - size + 1):
            if all(
                _word_matches(text_words[start + offset], wanted)
                for offset, wanted in enumerate(self.words)
            ):
                return True
        return False


def _word_matches(word: str, wanted: str) -> bool:
    if wanted.endswith(WILDCARD):
        return word.startswith(wanted[:-1])
    return word == wanted


def phrase_problem(text: str) -> str:
    """Why ``text`` cannot be an urgent phrase, or "" when it can."""
    if _STAR_INSIDE.search(text):
        return "Use * only at the end of a word."
    found = words(text, wildcards=True)
    if not found:
        return "Type a word or a few words."
    for word in found:
        if word.endswith(WILDCARD) and len(word) - 1 < MIN_STEM:
            return (
                f"'{word}' would match too many words: a word ending in * needs at least "
                f"{MIN_STEM} letters before the *."
            )
    return ""


def compile_phrases(phrases: Iterable[str]) -> list[Phrase]:
    """The usable phrases, each once (two spellings of one phrase count once)."""
    compiled: list[Phrase] = []
    seen: set[tuple[str, ...]] = set()
    for text in phrases:
        if phrase_problem(text):
            continue
        key = tuple(words(text, wildcards=True))
        if key in seen:
            continue
        seen.add(key)
        compiled.append(Phrase(text=text.strip(), words=key))
    return compiled


def phrases_in(text: str, compiled: Sequence[Phrase]) -> list[str]:
    """The compiled phrases (as typed in the list) found in ``text``, in list order."""
    text_words = words(text)
    return [phrase.text for phrase in compiled if phrase.found_in(text_words)]


def find_urgent_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases (as typed in the list) found in ``text``, in the list's order."""
    return phrases_in(text, compile_phrases(phrases))


def parse_phrase_list(content: str) -> list[str]:
    """The phrases of a list file: one a line; blank lines and lines starting with
    ``#`` are ignored."""
    phrases = []
    for line in content.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            phrases.append(line)
    return phrases
