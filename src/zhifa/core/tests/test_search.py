"""core.search: the portable search_text and the query terms (DB behaviour is tested in
catalog/tests/test_search.py on SQLite and PostgreSQL)."""

from hypothesis import given
from hypothesis import strategies as st

from zhifa.core.search import query_terms, search_text_for

CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=2, max_size=30)


def test_two_character_words_and_codes_are_tokens():
    tokens = search_text_for("对违法行为处以罚款", "JC-SJ-CF-001").split()
    assert "罚款" in tokens and "jc" in tokens and "001" in tokens


@given(text=CJK, data=st.data())
def test_every_substring_query_is_covered_by_the_index(text, data):
    """Any substring of the raw text (length >= 2) has all its bigrams in search_text; any single
    character is a prefix of some token — so a substring query can never miss."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    sub = text[start:end]
    tokens = search_text_for(text).split()
    grams, _, singles = query_terms(sub)
    assert all(g in tokens for g in grams)
    assert all(any(t.startswith(ch) for t in tokens) for ch in singles)
