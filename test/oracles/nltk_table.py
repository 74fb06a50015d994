#!/usr/bin/python3
"""Oracle for test/nltk-tokenize.test.ts: prints the expected table as JSON.

Run with Debian's interpreter, which has python3-nltk 3.8 and python3-regex:

    /usr/bin/python3 test/oracles/nltk_table.py > /tmp/nltk-table.json

NLTK 3.8 is older than the rules src/webarena/nltk-tokenize.ts follows (nltk/nltk develop:
destructive.py as of 07a43d22, punkt.py as of 2e456761, tokenize/__init__.py as of 006d620e,
tabdata.py as of 2e456761, data.py as of 0004c8a1). This script imports the installed 3.8
classes and replaces, at runtime, only the rule attributes that differ upstream:

  destructive.NLTKWordTokenizer
    1. STARTING_QUOTES[4], the opening single quote: 3.8 splits "'" only from a
       one-letter word, (\\')(?!re|ve|ll|m|t|s|d|n)(\\w)\\b -> "\\1 \\2"; upstream splits an "'"
       that follows no word character, precedes one, and does not start a whole clitic
       word: (?<!\\w)(\\')(?!(?:re|ve|ll|m|t|s|d|n)\\b)(?=\\w) -> "\\1 ".
    2. PUNCTUATION gains [\\u2012-\\u2015] (figure dash, en dash, em dash, horizontal bar)
       padded with spaces, right after [;@#$%&].
    3. ENDING_QUOTES gains \\s+ -> " " right after the '"' rule, so the clitic rules that
       need a following " " also fire before tabs and newlines.
  punkt.PunktLanguageVars
    4. re_boundary_realignment and the non-word characters also list the curly quotes
       and guillemets (U+2018, U+2019, U+201C, U+201D, U+00AB, U+00BB).
  All tokenizer modules
    5. Upstream compiles every tokenizer pattern through nltk.redos, i.e. with the
       third-party `regex` engine (V0) instead of `re`: \\w is
       [\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}], \\s is \\p{White_Space} (no
       U+001C..U+001F), and (?i) makes "i" also match U+0130. Every pattern below is
       therefore compiled with regex.compile. Pass --engine=re to compile with `re`
       instead and see which rows depend on the engine.
  tokenize/__init__.py
    6. sent_tokenize loads PunktTokenizer(language) from punkt_tab instead of the punkt
       pickle; here the tokenizer is built from explicit PunktParameters instead.
  punkt.py / tabdata.py
    7. load_punkt_params (absent in 3.8) reads punkt_tab/<lang>/ through nltk.data's
       SeekableUnicodeStreamReader (present in 3.8, same line splitting as upstream) and
       tabdata's PunktDecoder rules; load_params_like_upstream() below reproduces it.

Every other method of the Punkt algorithm (first and second pass, orthographic
heuristic, _match_potential_end_contexts, _slices_from_text, _realign_boundaries) and the
rest of NLTKWordTokenizer.tokenize are identical in 3.8 and upstream and run unpatched.
"""

import json
import os
import re
import sys
import tempfile
from collections import defaultdict

import regex

import nltk
import nltk.data
from nltk.tokenize import destructive, punkt

assert nltk.__version__ == "3.8", nltk.__version__
ENGINE = "re" if "--engine=re" in sys.argv[1:] else "regex"


def C(pattern, flags=0):
    """Compile a rule the way upstream's nltk.redos.compile does (regex engine)."""
    if ENGINE == "re":
        return re.compile(pattern, flags)
    return regex.compile(pattern, flags)


def recompile(compiled):
    """Same rule as 3.8's compiled pattern, compiled with the upstream engine."""
    return C(compiled.pattern, compiled.flags & ~re.UNICODE)


# ---------------------------------------------------------------- destructive.py
W = destructive.NLTKWordTokenizer
sq = [(recompile(p), s) for p, s in W.STARTING_QUOTES]
assert sq[4][0].pattern == r"(?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b"
sq[4] = (C(r"(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)", re.U), r"\1 ")
W.STARTING_QUOTES = sq

punct = [(recompile(p), s) for p, s in W.PUNCTUATION]
assert punct[4][0].pattern == r"[;@#$%&]"
punct.insert(5, (C(r"[\u2012-\u2015]", re.U), r" \g<0> "))
W.PUNCTUATION = punct

ending = [(recompile(p), s) for p, s in W.ENDING_QUOTES]
assert ending[2][0].pattern == r'"'
ending.insert(3, (C(r"\s+"), " "))
W.ENDING_QUOTES = ending

W.PARENS_BRACKETS = (recompile(W.PARENS_BRACKETS[0]), W.PARENS_BRACKETS[1])
W.CONVERT_PARENTHESES = [(recompile(p), s) for p, s in W.CONVERT_PARENTHESES]
W.DOUBLE_DASHES = (recompile(W.DOUBLE_DASHES[0]), W.DOUBLE_DASHES[1])
W.CONTRACTIONS2 = [recompile(p) for p in W.CONTRACTIONS2]
W.CONTRACTIONS3 = [recompile(p) for p in W.CONTRACTIONS3]

# ---------------------------------------------------------------- punkt.py
LV = punkt.PunktLanguageVars
LV.re_boundary_realignment = C(
    r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)', re.MULTILINE
)
LV._re_non_word_chars = property(
    lambda self: r"(?:[)\";}\]\*:@\'\({\[\u2018\u2019\u201c\u201d\xab\xbb%s])"
    % re.escape("".join(set(self.sent_end_chars) - {"."}))
)


def _word_tokenizer_re(self):
    try:
        return self._re_word_tokenizer
    except AttributeError:
        self._re_word_tokenizer = C(
            self._word_tokenize_fmt
            % {
                "NonWord": self._re_non_word_chars,
                "MultiChar": self._re_multi_char_punct,
                "WordStart": self._re_word_start,
            },
            re.UNICODE | re.VERBOSE,
        )
        return self._re_word_tokenizer


def period_context_re(self):
    try:
        return self._re_period_context
    except AttributeError:
        self._re_period_context = C(
            self._period_context_fmt
            % {
                "NonWord": self._re_non_word_chars,
                "SentEndChars": self._re_sent_end_chars,
            },
            re.UNICODE | re.VERBOSE,
        )
        return self._re_period_context


LV._word_tokenizer_re = _word_tokenizer_re
LV.period_context_re = period_context_re
T = punkt.PunktToken
T._RE_ELLIPSIS = recompile(T._RE_ELLIPSIS)
T._RE_NUMERIC = recompile(T._RE_NUMERIC)
T._RE_INITIAL = recompile(T._RE_INITIAL)
T._RE_ALPHA = recompile(T._RE_ALPHA)
punkt._re_non_punct = recompile(punkt._re_non_punct)

# ---------------------------------------------------------------- tokenizers
WORD = destructive.NLTKWordTokenizer()


def sent_tokenizer(params):
    return punkt.PunktSentenceTokenizer(params)


def empty_params():
    # What PunktSentenceTokenizer() has untrained; the TS default EMPTY_PUNKT_PARAMETERS.
    return punkt.PunktParameters()


ORTHO_BEG_UC, ORTHO_MID_UC, ORTHO_UNK_UC = 1 << 1, 1 << 2, 1 << 3
ORTHO_BEG_LC, ORTHO_MID_LC, ORTHO_UNK_LC = 1 << 4, 1 << 5, 1 << 6


def explicit_params():
    # Keep in sync with EXPLICIT in test/nltk-tokenize.test.ts.
    p = punkt.PunktParameters()
    p.abbrev_types = {"dr", "e.g", "st", "mr", "no", "u.s", "inc", "jan"}
    p.collocations = {("j", "bach"), ("##number##", "floor")}
    p.sent_starters = {"however"}
    p.ortho_context = defaultdict(
        int,
        {
            "then": ORTHO_BEG_UC | ORTHO_MID_LC,
            "smith": ORTHO_MID_UC,
            "it": ORTHO_BEG_UC | ORTHO_BEG_LC | ORTHO_MID_LC,
            "louis": ORTHO_MID_UC,
            "mark's": ORTHO_MID_UC,
        },
    )
    return p


def word_tokenize(text, params):
    # nltk.word_tokenize(text) with preserve_line=False and the given Punkt parameters.
    sents = sent_tokenizer(params).tokenize(text)
    return sents, [tok for s in sents for tok in WORD.tokenize(s)]


# ---------------------------------------------------------------- punkt_tab loading
def load_params_like_upstream(lang_dir):
    """upstream punkt.load_punkt_params + tabdata.PunktDecoder, on 3.8's file reader."""

    def lines(name):
        ptr = nltk.data.FileSystemPathPointer(lang_dir).join(name)
        with ptr.open(encoding="utf-8") as f:
            return list(f)

    def rm_nl(s):
        return s[:-1] if s[-1] == "\n" else s

    def tab2tups(f):
        return [tuple(rm_nl(x).split("\t")) for x in f]

    p = punkt.PunktParameters()
    p.collocations = set(tab2tups(lines("collocations.tab")))
    p.sent_starters = {rm_nl(x) for x in lines("sent_starters.txt")}
    p.abbrev_types = {rm_nl(x) for x in lines("abbrev_types.txt")}
    p.ortho_context = defaultdict(
        int, {a: int(b) for a, b in tab2tups(lines("ortho_context.tab"))}
    )
    return p


# Keep in sync with LOADED_FILES in test/nltk-tokenize.test.ts (written byte for byte).
LOADED_FILES = {
    "abbrev_types.txt": "dr\r\nprof\nfig\rinc\x0cvs\u2028\ufeffx\n\nco\n",
    "collocations.tab": "j\tbach\n##number##\tfloor",
    "sent_starters.txt": "\ufeffhowever\nbut",
    "ortho_context.tab": "then\t34\r\nsmith\t 4 \nit\t+50\nzip\t1_0\n",
}
LOADED_INPUTS = [
    "Ask Dr. Smith. Then go.",
    "Ask Prof. Smith.",
    "See fig. 3 and Inc. Then stop.",
    "See co. Then stop.",
    "J. Bach wrote it. It was 5. floor",
    "Meet at 5. Then leave.",
    "See co. However it rained.",
    "See co. but why.",
    "Grade B-. Next one.",
]


def params_json(p):
    return {
        "abbreviations": sorted(p.abbrev_types),
        "collocations": sorted([list(t) for t in p.collocations]),
        "sentenceStarters": sorted(p.sent_starters),
        "orthoContext": sorted([k, v] for k, v in p.ortho_context.items()),
    }


def loaded_table():
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in LOADED_FILES.items():
            with open(os.path.join(tmp, name), "wb") as f:
                # A BOM as the file's first bytes is skipped by the reader; elsewhere kept.
                f.write(content.encode("utf-8"))
        p = load_params_like_upstream(tmp)
    loaded = params_json(p)  # before tokenizing: lookups add 0 entries to the defaultdict
    rows = []
    for text in LOADED_INPUTS:
        sents, toks = word_tokenize(text, p)
        rows.append([text, sents, toks])
    return {"params": loaded, "rows": rows}


# ---------------------------------------------------------------- the table
# Each group: (name, "default" | "explicit", inputs). Keep in sync with the test's TABLE.
GROUPS = [
    ("numbers", "default", [
        "5", "The answer is 5", "12345", "3.14", "0.5", ".5", "3,000", "1,000,000",
        "-5", "-3.5 degrees", "50%", "5-10", "5 - 10", "costs 3,36 euros", "5/10",
        "0.00", "version 2.0.1", "+5", "5, 6, 7", "5,6", "5,a", "No. 5", "#5", "1e5",
    ]),
    ("dates and times", "default", [
        "2023-05-01", "05/01/2023", "1/2/23", "12:30", "at 12:30pm", "3pm", "3 p.m.",
        "Jan. 5, 2023", "January 5, 2023", "10:00:00", "ends at 12:", "Q3 2023",
    ]),
    ("ordinals", "default", [
        "5th", "1st", "22nd", "3rd", "the 5th review", "21st-century", "the 1st, 2nd and 3rd",
        "came 5th.",
    ]),
    ("hyphens and dashes", "default", [
        "5-star", "well-known", "a--b", "a -- b", "5 \u2013 10", "5\u201310", "wait\u2014what",
        "x\u2012y", "x\u2015y", "---", "e-mail", "5-", "-", "a\u2010b",
    ]),
    ("currency", "default", [
        "$5", "$0.00", "$1,299.99", "\u20ac5", "5 USD", "\u00a310.50", "US$5", "costs $5.99.",
        "5$", "$5-$10",
    ]),
    ("contractions", "default", [
        "don't", "can't", "I'm", "they'll", "'twas cold", "'Tis true", "gonna", "cannot",
        "Cannot", "won't", "we've", "you're", "he'd", "ain't", "y'all", "gimme", "wanna go",
        "wanna", "lemme see", "gotta", "more'n", "d'ye", "o'clock", "rock 'n' roll", "DON'T",
        "IT'S", "the '90s", "it's\tfine", "GIMME", "G\u0130MME",
    ]),
    ("quotes", "default", [
        '"hello"', "'hello'", "``hello''", "\u201chello\u201d", "\u2018hi\u2019", '"5"', "'5'",
        'he said "5 stars"', "\u00abbonjour\u00bb", "\u201equote\u201c", "the 'best' one",
        'rating: "4.5"', "''", "'", 'x"y', "rated '5'.", "`5`",
    ]),
    ("punctuation", "default", [
        "Hello.", "Hello!", "Hello?", "Wait...", "Wait... what", "a;b", "a: b", "a:b",
        "ratio 1:2", "a,b", "a, b", "(5)", "[5]", "{5}", "<5>", "5*", "a@b", "#1", "a&b",
        "a/b", "and/or", "!!!", "?!", "5.", "(see p. 5.)", "He said (5).", "x.)", "end.'",
        "Ok.\u201d", "5..", "a.b.c.", "... 5",
    ]),
    ("multi-sentence", "default", [
        "costs 5. it was 3.", "costs 5. It was 3.", "word. next", "word. Next",
        "Hi. I'm here.", "One. Two. Three.", "It costs $5. Buy it!", "Is it 5? Yes.",
        "Wow! 5 stars.", 'The end." Next one.', "(Done.) Next.", "I paid 5.00. Then left.",
        "Rated 5. 5 is the max.", "e.g. this", "J. Bach wrote it.", "Go now! (Really.) Ok.",
        "He said \u201cstop.\u201d Then left.", "Wait... Then go.", "5th. 6th.",
    ]),
    ("abbreviations and initials (explicit parameters)", "explicit", [
        "Dr. Smith is here.", "dr. smith is here.", "Mr. Smith arrived. He left.",
        "e.g. this one", "See St. Louis.", "J. Bach lived.", "J. S. Bach lived.",
        "In the U.S. Then it rained.", "No. 5 is good.", "Go to st. Mark's.",
        "Buy at Dr. However it fails.", "on the 5. floor", "on the 5. Floor",
        "Acme Inc. It sells.", "Acme Inc. it sells.", "Jan. 5, 2023", "costs 5. It was 3.",
        "word. Then more.", "x-dr. y",
    ]),
    ("lowercase (WebArena lower-cases answers before tokenizing)", "default", [
        "costs 5. it was 3.", "the 5th review. it was good.", "5 stars. best ever.",
        "word. next", "he said no. then left.", "rated 4.5. it is good.", "i paid $5. ok.",
        "see dr. smith.", "total: 3,000. done", "a. b. c.",
    ]),
    ("lowercase with the explicit parameters", "explicit", [
        "dr. smith arrived. he left.", "costs 5. it was 3.", "see st. louis. then go.",
    ]),
    ("whitespace and newlines", "default", [
        "  5  ", "a\nb", "a\n\nb", "Hello.\nWorld.", "5\t6", "line one\r\nline two",
        "a\u00a0b", "trailing.   ", "\n\n", "a.\n\nb.", "it's\nfine", "x\u2028y",
        "Done.\n\nNext one.", "a\x1cb", "Stop.\x1cGo.",
    ]),
    ("URLs and emails", "default", [
        "https://example.com/a?b=1&c=2", "www.example.com", "user@example.com",
        "Visit http://x.com. Now.", "example.com/path", "ftp://a.b/c.txt",
        "mail me: a.b@c.org.",
    ]),
    ("unicode letters", "default", [
        "na\u00efve caf\u00e9.", "\u00dcber 5th", "x\u00b2'y", "e\u0301'x", "\u0130stanbul. Ok.",
    ]),
    ("empty and trivial", "default", ["", " ", ".", "?", "a"]),
]

# treebankWordTokenize(sentence) = NLTKWordTokenizer().tokenize(sentence), no Punkt.
TREEBANK = [
    "costs 5. It was 3.", "Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\nThanks.",
    "end. ", "end .", "x.\n", "a:\n", "a,\n", "'", "''", "wanna\tgo", "x.'\" ", "x. '\u201d\n",
    "Hi.\x1c",
]


def main():
    params = {"default": empty_params, "explicit": explicit_params}
    groups = []
    for name, which, inputs in GROUPS:
        rows = []
        for text in inputs:
            sents, toks = word_tokenize(text, params[which]())
            rows.append([text, sents, toks])
        groups.append({"group": name, "params": which, "rows": rows})
    out = {
        "nltk": nltk.__version__,
        "engine": ENGINE,
        "groups": groups,
        "treebank": [[t, WORD.tokenize(t)] for t in TREEBANK],
        "loaded": loaded_table(),
    }
    json.dump(out, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
