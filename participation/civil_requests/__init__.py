"""Civil requests (민원): an always-open channel under the statute's clocks."""
