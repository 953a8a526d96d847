"""The story index's fast paths give exactly the numbers and order of the plain definitions (and bounds that hold)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.stories.features import name_terms, word_terms
from services.stories.index import StoryIndex, _Vectors
from services.stories.logic import StoryArticle, StoryClusterer
from services.stories.state import MemberRecord, StoryRecord

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def terms(rng: random.Random, vocab: list[int], k: int) -> dict[int, float]:
    return {t: float(rng.choice([1, 1, 2, 3, 5])) for t in rng.sample(vocab, k)}


def story(rng: random.Random, vocab: list[int], seq: int) -> StoryRecord:
    members = [MemberRecord(id=f"m{seq}-{k}", at=T0, words=terms(rng, vocab, rng.randint(1, 60)), norm=0.0)
               for k in range(rng.randint(1, 12))]
    return StoryRecord(story_id=f"s{seq}", seq=seq, title="t", first_seen=T0, last_seen=T0 + timedelta(minutes=seq),
                       article_count=len(members), sources=[], languages=[], words=terms(rng, vocab, rng.randint(1, 96)),
                       names=terms(rng, vocab, rng.randint(0, 20)), members=members)


def test_query_scores_are_index_cosine_to_the_last_bit() -> None:
    rng = random.Random(5)
    vocab = list(range(400))  # a small vocabulary: many shared terms, both loop directions taken
    index = StoryIndex(idf_prior=50)
    for seq in range(1, 80):
        s = story(rng, vocab, seq)
        s = s.model_copy(update={"members": [m.model_copy(update={"norm": index.norm(m.words)}) for m in s.members]})
        index.put(s)
    bounds: list[float] = []
    for _ in range(30):
        words, names = terms(rng, vocab, rng.randint(1, 40)), terms(rng, vocab, rng.randint(0, 8))
        query = index.query(words, names)
        wn, nn = index.norm(words), index.norm(names)
        assert (query.words_norm, query.names_norm) == (wn, nn)
        for s in index.stories():
            assert query.centroid(s) == index.cosine(words, wn, s.words, s.words_norm)
            assert query.member(s) == max(index.cosine(words, wn, m.words, m.norm) for m in s.members)
            assert query.names(s) == index.cosine(names, nn, s.names, s.names_norm)
            # the bound that lets the clusterer skip a story's members never undercuts them
            bound = query.member_bound(s)
            assert query.parts(s) == (query.centroid(s), query.names(s), bound)
            assert bound >= query.member(s)
            bounds.append(bound)
    assert sum(b < 0.5 for b in bounds) > len(bounds) / 2  # and it is low enough to skip most stories


def test_candidates_are_the_full_sort_by_pre_score_then_age() -> None:
    rng = random.Random(8)
    vocab = list(range(1500))
    index = StoryIndex()
    for seq in range(1, 300):
        s = story(rng, vocab, seq)
        index.put(s.model_copy(update={"words": dict(list(s.words.items())[:25])}))
    ties = longest = 0
    for _ in range(40):
        words, names = terms(rng, vocab, 40), terms(rng, vocab, 4)
        pre: dict[str, float] = {}
        for t in [*words, *names]:
            posting = index._postings.get(t, set())
            if len(posting) <= len(index) * 0.05:  # a term in more stories than that finds none
                for sid in posting:
                    pre[sid] = pre.get(sid, 0.0) + index.idf(t) ** 2
        full = [sid for sid, _ in sorted(pre.items(), key=lambda kv: (-kv[1], index.get(kv[0]).seq))]  # type: ignore[union-attr]
        ties += len(pre) - len(set(pre.values()))
        longest = max(longest, len(full))
        for limit in (1, 7, 40, 1000):
            assert [s.story_id for s in index.candidates(words, names, limit)] == full[:limit]
    assert longest > 40 and ties > 20  # the cut and the tie-break were both exercised


def test_vectors_kept_across_joins_equal_fresh_ones() -> None:
    clusterer = StoryClusterer()
    for n in range(40):
        clusterer.assign(StoryArticle(id=f"a{n}", title=f"Harbour strike enters day {n} as dockers vote",
                                      text="Dockers at the harbour voted again on the strike.",
                                      published_at=T0 + timedelta(hours=n)))
    index = clusterer._index
    for s in index.stories():
        kept, fresh = index.vectors(s.story_id), _Vectors(s)
        assert (kept.words, kept.names, kept.members) == (fresh.words, fresh.names, fresh.members)
    assert max(len(s.members) for s in index.stories()) > 3  # members were carried over several joins


def test_terms_and_their_order_do_not_depend_on_the_hash_seed() -> None:
    """The order of a dict's terms is the order its norm is summed in: it must be the same in every process."""
    code = ("import json; from services.stories.features import name_terms, word_terms; "
            "print(json.dumps([list(name_terms(['Olaf Scholz', 'Berlin', 'Emmanuel Macron', 'France', 'NATO'])"
            ".items()), list(word_terms('Macron in Berlin', 'Scholz und Macron beraten').items())]))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2", "3", "4")}
    assert len(outs) == 1
    here = [list(name_terms(["Olaf Scholz", "Berlin", "Emmanuel Macron", "France", "NATO"]).items()),
            list(word_terms("Macron in Berlin", "Scholz und Macron beraten").items())]
    assert json.loads(outs.pop()) == [[list(p) for p in part] for part in here]
