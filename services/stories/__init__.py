"""Stories: online clustering of articles into events (issue 13).

Interface for the pipeline: ``StoryClusterer().assign(StoryArticle.from_enriched(event))``
returns the story id; :meth:`StoryClusterer.assign_with_changes` also returns the state records
to persist (see :mod:`services.stories.state`) and :meth:`StoryClusterer.from_records` restores.
"""
