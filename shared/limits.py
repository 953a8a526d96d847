"""Every size and range limit of the pipeline, defined once; each stage reads its limits here.

A limit that disagrees between stages breaks readers: ingest once accepted bodies that
Elasticsearch's highlighter then refused for every search whose page held them. So the
chain is: ingest refuses what is over these limits with a 4xx, clean and index never see
more, and search asks Elasticsearch for no more than the index holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: Longest submitted text (body) or HTML page, in UTF-8 bytes, ingest accepts.
MAX_TEXT_BYTES = 5 * 1024 * 1024
#: Longest HTML page clean extracts from (the same as what ingest accepts).
MAX_HTML_BYTES = MAX_TEXT_BYTES
#: Longest cleaned body, in characters, that is indexed. Elasticsearch's highlighter refuses
#: fields longer than ``index.highlight.max_analyzed_offset`` (1,000,000 by default); bodies
#: stay well under it, and search also passes this as the query's ``max_analyzed_offset``.
#: The cap is applied where the document meets Elasticsearch, by the index stage
#: (``services.index.logic.cap_body``, at a paragraph or word boundary), so it holds for
#: every producer of ``articles.enriched``; ingest's larger byte cap only bounds the work of
#: clean and enrich (enrich reads at most ``ENRICH_MAX_ANALYSED_CHARS`` anyway).
MAX_BODY_CHARS = 500_000
#: Largest ``_bulk`` request body the index stage sends; a batch over it goes as several
#: requests (Elasticsearch refuses bodies over ``http.max_content_length``, 100 MB by default).
INDEX_MAX_BULK_BYTES = 32 * 1024 * 1024
#: Highlighting never analyses past this offset (a query option; never more than the index's),
#: so a longer body written by some other producer still cannot break a search page.
HIGHLIGHT_MAX_ANALYZED_OFFSET = MAX_BODY_CHARS
#: Largest message the pipeline moves (a raw article with its HTML). Topics and clients agree.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
#: A dead letter carries the original bytes base64-encoded (4/3 of them) plus a short preview.
MAX_DEAD_LETTER_BYTES = MAX_MESSAGE_BYTES * 4 // 3 + 1024 * 1024
MAX_URL_CHARS = 2048
MAX_TITLE_CHARS = 1000
#: Longest title clean derives from a body that came without one (first paragraph or sentence).
DERIVED_TITLE_CHARS = 300
#: Longest source and author names a submission may carry.
MAX_SOURCE_CHARS = 200
MAX_AUTHOR_CHARS = 300
#: Most digits of an integer in a JSON request body (Python refuses more than 4,300 anyway).
MAX_JSON_NUMBER_DIGITS = 100
#: Oldest and newest publication dates accepted; outside them a date is a typo or a broken clock.
EARLIEST_PUBLISHED = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
#: Most buckets a timeline may ask Elasticsearch for (search.max_buckets is 65,536).
MAX_TIMELINE_BUCKETS = 500

# --------------------------------------------------------------------------- search
#: Hits per page, and how deep ``page`` * ``size`` may go (Elasticsearch's
#: ``index.max_result_window``); deeper pages use the cursor.
MAX_SEARCH_SIZE = 100
MAX_SEARCH_WINDOW = 10_000
#: Longest ``q``, and how deeply its parentheses may nest.
MAX_QUERY_CHARS = 1000
MAX_QUERY_DEPTH = 8
#: Longest filter value (actor, place, topic, source, language, near) and most repeats of one.
MAX_FILTER_CHARS = 200
MAX_FILTER_VALUES = 20
#: Longest article id in ``/articles/{id}`` (Elasticsearch refuses ``_id``s over 512 bytes).
MAX_ARTICLE_ID_CHARS = 128
#: Longest cursor a client may send back (ours are under 200 characters).
MAX_CURSOR_CHARS = 512
#: Largest ``within``: half the equator; any larger circle already covers the whole Earth.
MAX_WITHIN_KM = 20_038.0

# --------------------------------------------------------------------------- stories
#: How long a story stays open for new articles after its last one (event time), and how long
#: an article's assignment is remembered (re-processing it inside the window returns its story).
STORY_WINDOW = timedelta(days=3)
#: Terms (hashed words) kept per story centroid, and the hashing space they fall into.
STORY_MAX_TERMS = 96
STORY_TERM_BUCKETS = 1 << 22
#: Canonical entities (actors, places, topics) kept per story, and members whose own vectors
#: are kept for nearest-member matching (the story's first article plus the latest ones).
STORY_MAX_ENTITIES = 48
STORY_MAX_MEMBERS = 12
#: Heaviest word terms an article is matched (and kept as a member) with; title words weigh double.
STORY_MAX_ARTICLE_TERMS = 40
#: Stories compared in full per article (the best by a cheap inverted-index pre-score).
STORY_MAX_CANDIDATES = 40
#: Characters of title + text read per article (longer bodies add nothing for clustering).
STORY_MAX_TEXT_CHARS = 4000

# --------------------------------------------------------------------------- enrich
#: Characters of title + body the NER pipelines read (offsets still index the full text);
#: spaCy's own limit is 1,000,000 and natasha slows down linearly.
ENRICH_MAX_ANALYSED_CHARS = 100_000
#: An article without a language shorter than this is taken as English (unless mostly
#: Cyrillic): language identification on a headline-sized text is a guess.
ENRICH_MIN_DETECT_CHARS = 120
#: Smallest city found by a foreign-language alternate name (geonames lists names of small
#: towns that are ordinary words in some language: "Mit", "Bei").
ENRICH_FOREIGN_CITY_MIN_POPULATION = 500_000
